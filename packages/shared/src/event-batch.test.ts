import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validEvent } from '../test/arbitraries.js';
import {
  EVENT_BATCH_FIELD_KINDS,
  EVENT_BATCH_MAX_WORDS,
  EventBatchWriter,
  isEventBatch,
  readEventBatch,
} from './event-batch.js';
import { REQUEST_EVENT_FIELDS, type RequestEvent } from './request-event.js';

const SEED = 20261126;

function batchOf(events: RequestEvent[]): Buffer {
  const w = new EventBatchWriter();
  for (const e of events) w.append(e);
  return w.finish();
}

/** What a string becomes through UTF-8: the same, except a lone surrogate turns into U+FFFD. */
const throughUtf8 = (e: RequestEvent): RequestEvent =>
  Object.fromEntries(
    Object.entries(e).map(([k, v]) => [
      k,
      typeof v === 'string' ? Buffer.from(v, 'utf8').toString('utf8') : v,
    ]),
  ) as RequestEvent;

const sample = fc.sample(validEvent, { seed: SEED, numRuns: 1 })[0]!;
const header = Buffer.from('GHEB\u0001', 'latin1');

describe('event batch', () => {
  it('has a kind for every field of the schema, in its order', () => {
    expect(Object.keys(EVENT_BATCH_FIELD_KINDS)).toEqual([...REQUEST_EVENT_FIELDS]);
  });

  it('reads back every event it wrote, in order, with its keys in schema order', () => {
    fc.assert(
      fc.property(fc.array(validEvent, { maxLength: 40 }), (events) => {
        const read = readEventBatch(batchOf(events));
        expect(read).toEqual({ ok: true, events: events.map(throughUtf8) });
        if (read.ok) {
          for (const e of read.events) expect(Object.keys(e)).toEqual([...REQUEST_EVENT_FIELDS]);
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('sends a repeated string once per batch, so an event of repeated values is small', () => {
    const events = Array.from({ length: 1000 }, (_, i) => ({
      ...sample,
      request_id: `0f8fad5b-d9cb-469f-a165-${String(70000000 + i).padStart(12, '0')}`,
      trace_id: '',
      path: '/v1/orders',
      user_agent: 'x'.repeat(300),
      customer_id: 'cus_123',
      status: 200,
      bytes_in: 0,
      bytes_out: 512,
    }));
    const body = batchOf(events);
    // 36-byte id and its length, path, ~20 bytes of numbers and refs: the 300-byte agent once.
    expect(body.length / events.length).toBeLessThan(90);
    expect(readEventBatch(body)).toEqual({ ok: true, events: events.map(throughUtf8) });
  });

  it('stops adding words past its bound, and reader and writer still agree on every reference', () => {
    const agents = Array.from({ length: EVENT_BATCH_MAX_WORDS + 50 }, (_, i) => `agent/${i}`);
    // Every agent once (filling the dictionary), then all of them again: the late ones are
    // literals both times, the early ones references.
    const events = [...agents, ...agents].map((user_agent) => ({ ...sample, user_agent }));
    expect(readEventBatch(batchOf(events))).toEqual({
      ok: true,
      events: events.map(throughUtf8),
    });
  });

  it('refuses an event whose counts it cannot carry, before writing any of it', () => {
    const w = new EventBatchWriter();
    w.append(sample);
    for (const bad of [
      { ts_ms: 1.5 },
      { ts_ms: -1 },
      { status: Number.NaN },
      { bytes_out: 2 ** 60 },
      { latency_ms: '3' as unknown as number },
    ]) {
      expect(() => w.append({ ...sample, ...bad })).toThrow(TypeError);
    }
    expect(w.events).toBe(1);
    expect(readEventBatch(w.finish())).toEqual({ ok: true, events: [throughUtf8(sample)] });
  });

  it('reads a batch of no events', () => {
    expect(readEventBatch(new EventBatchWriter().finish())).toEqual({ ok: true, events: [] });
  });

  it('is recognised by its first bytes, and anything else is refused as not a batch', () => {
    expect(isEventBatch(batchOf([sample]))).toBe(true);
    expect(readEventBatch(Buffer.from('GHEB'))).toEqual({
      ok: false,
      message: 'event batch unreadable: it ends before its version byte',
    });
    for (const body of ['', 'GHE', '{"request_id":"r"}\n', '\u001f\u008b\u0008']) {
      const buf = Buffer.from(body, 'latin1');
      expect(isEventBatch(buf)).toBe(false);
      expect(readEventBatch(buf)).toEqual({
        ok: false,
        message: 'not an event batch: the body does not start with "GHEB"',
      });
    }
  });

  it('refuses another version by name, so an old collector says to upgrade it', () => {
    const body = batchOf([sample]);
    body[4] = 2;
    expect(readEventBatch(body)).toEqual({
      ok: false,
      message:
        'event batch version 2 is not supported (this collector reads version 1); upgrade the collector',
      version: 2,
    });
  });

  it('cut anywhere, reads the whole events before the cut, or names the event it ends in', () => {
    const events = fc.sample(validEvent, { seed: SEED, numRuns: 3 });
    const body = batchOf(events);
    const ends = events.map((_, i) => batchOf(events.slice(0, i + 1)).length);
    for (let cut = 6; cut < body.length; cut++) {
      const read = readEventBatch(body.subarray(0, cut));
      const whole = ends.filter((end) => end <= cut).length;
      if (ends.includes(cut)) {
        expect(read).toEqual({ ok: true, events: events.slice(0, whole).map(throughUtf8) });
      } else {
        expect(read.ok).toBe(false);
        if (!read.ok) expect(read.message).toMatch(`event batch unreadable at event ${whole + 1} `);
      }
    }
  });

  it('refuses bytes no writer produces: a reference past the dictionary, bad UTF-8, long numbers, unknown flags', () => {
    const cases: [number[], string][] = [
      // request_id "r", trace_id "", ts 0, instance = word 0 of an empty dictionary
      [[1, 0x72, 0, 0, 1], 'it refers to word 0 of a dictionary of 0'],
      [[2, 0xc3, 0x28], 'a string is not valid UTF-8'],
      [[1, 0x72, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], 'longer than 8 bytes'],
      [[1, 0x72, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], 'exceeds 2^53'],
    ];
    for (const [bytes, message] of cases) {
      const read = readEventBatch(Buffer.concat([header, Buffer.from(bytes)]));
      expect(read.ok).toBe(false);
      if (!read.ok) expect(read.message).toContain(message);
    }
    const body = batchOf([sample]);
    body[body.length - 1] = 8;
    expect(readEventBatch(body)).toEqual({
      ok: false,
      message: 'event batch unreadable at event 1 (byte 5): its flags byte is 8, above 7',
    });
  });
});
