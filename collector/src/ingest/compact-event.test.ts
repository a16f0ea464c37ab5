import {
  eventFromRow,
  eventRow,
  isValidRequestEvent,
  MAX_EVENT_TS_MS,
  type RequestEvent,
} from '@gatehouse/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeEvent } from '../testing.js';
import { readFastEvent } from './compact-event.js';

const SEED = 20261125;
const RUNS = 2000;

/** Strings that sometimes need JSON escapes (quotes, backslashes, controls, lone surrogates). */
const text = (minLength: number, maxLength: number) =>
  fc
    .string({
      unit: fc.oneof(
        { arbitrary: fc.constantFrom('a', 'é', '😀', '/', ':', ',', '{'), weight: 8 },
        fc.constantFrom('"', '\\', '\n', '\u0000', '\ud800'),
      ),
      minLength,
      maxLength,
    })
    .filter((s) => s.length >= minLength && s.length <= maxLength);

const uint = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const nonNeg = fc.oneof(uint, fc.double({ min: 0, max: 1e30, noNaN: true }));

const validEvent: fc.Arbitrary<RequestEvent> = fc.record({
  request_id: text(1, 20),
  trace_id: text(0, 32),
  ts_ms: fc.integer({ min: 0, max: MAX_EVENT_TS_MS }),
  instance: text(0, 20),
  customer_id: text(0, 20),
  key_id: text(0, 20),
  auth_method: fc.constantFrom('api_key', 'jwt', 'none'),
  method: text(1, 16),
  route: text(0, 20),
  path: text(0, 20),
  status: fc.integer({ min: 100, max: 599 }),
  error_code: text(0, 20),
  latency_ms: nonNeg,
  upstream_latency_ms: nonNeg,
  bytes_in: uint,
  bytes_out: uint,
  client_ip: text(0, 20),
  user_agent: text(0, 20),
  rate_limited: fc.boolean(),
  idempotency_key: fc.boolean(),
  idempotent_replayed: fc.boolean(),
});

/** A gateway line (either shape) bent at a few places with characters that matter to JSON. */
const bentLine = (shape: (e: RequestEvent) => string) =>
  fc
    .tuple(
      validEvent,
      fc.array(
        fc.tuple(
          fc.nat(),
          fc.nat(2),
          fc.constantFrom(
            ' ',
            '"',
            '\\',
            ',',
            ':',
            '.0',
            'e2',
            '-',
            '0',
            '}',
            ']',
            '\u0001',
            '\\u0041',
          ),
        ),
        { minLength: 1, maxLength: 3 },
      ),
    )
    .map(([event, edits]) => {
      let line = shape(event);
      for (const [at, how, s] of edits) {
        const i = at % (line.length + 1);
        if (how === 0) line = line.slice(0, i) + s + line.slice(i);
        else if (how === 1) line = line.slice(0, i) + line.slice(i + 1);
        else line = line.slice(0, i) + s + line.slice(i + s.length);
      }
      return line;
    });

const objectLine = (e: RequestEvent) => JSON.stringify(e);
const positionalLine = (e: RequestEvent) => JSON.stringify(eventRow(e));

/**
 * What the fast path promises: it reads a line exactly as JSON.parse + the validator would, and
 * its ClickHouse line holds that event plus `ts`.
 */
function agreesWithJsonParse(line: string): void {
  const fast = readFastEvent(line);
  if (fast === undefined) return;
  const parsed: unknown = JSON.parse(line);
  const event = Array.isArray(parsed) ? eventFromRow(parsed) : parsed;
  expect(isValidRequestEvent(event)).toBe(true);
  expect(fast.event).toStrictEqual(event);
  expect(JSON.parse(fast.clickhouseLine)).toStrictEqual({
    ts: Math.floor((event as RequestEvent).ts_ms / 1000),
    ...(event as RequestEvent),
  });
}

const sample = makeEvent({
  request_id: 'r1',
  ts_ms: 1_700_000_000_000,
  latency_ms: 1.5,
  upstream_latency_ms: 1,
  bytes_in: 10,
  bytes_out: 20,
});

describe('readFastEvent', () => {
  for (const [shape, write] of [
    ['positional', positionalLine],
    ['object', objectLine],
  ] as const) {
    it(`reads every valid ${shape} line without escapes, exactly as JSON.parse does`, () => {
      fc.assert(
        fc.property(validEvent, (event) => {
          const line = write(event);
          agreesWithJsonParse(line);
          if (!line.includes('\\')) expect(readFastEvent(line)).toBeDefined();
        }),
        { seed: SEED, numRuns: RUNS },
      );
    });

    it(`never reads a bent ${shape} line differently from JSON.parse`, () => {
      fc.assert(fc.property(bentLine(write), agreesWithJsonParse), {
        seed: SEED,
        numRuns: RUNS * 5,
      });
    });
  }

  it('gives ClickHouse the positional line with its keys put back, in schema order', () => {
    const fast = readFastEvent(positionalLine(sample));
    expect(fast?.event).toStrictEqual(sample);
    expect(fast?.clickhouseLine).toBe(`{"ts":1700000000,${objectLine(sample).slice(1)}`);
  });

  it('gives ClickHouse the object line itself, plus ts', () => {
    const line = objectLine(sample);
    expect(readFastEvent(line)?.clickhouseLine).toBe(`{"ts":1700000000,${line.slice(1)}`);
  });

  it('leaves to the general path the spellings ClickHouse 18.16 reads differently', () => {
    const line = objectLine(sample);
    const row = positionalLine(sample);
    for (const bent of [
      line.replace('"status":200', '"status":200.0'),
      line.replace('"status":200', '"status":2e2'),
      line.replace('"bytes_in":10', '"bytes_in":-0'),
      line.replace('"trace_id":""', '"trace_id":"\\ud800"'),
      line.replace('{', '{"request_id":"r0",'),
      line.replace('"method":"GET"', '"method" : "GET"'),
      line.replace('"route":"/v1/orders"', '"route":"\\/v1/orders"'),
      row.replace(',200,', ',200.0,'),
      row.replace(',200,', ',2e2,'),
      row.replace(',10,20,', ',-0,20,'),
      row.replace('"r1",""', '"r1","\\ud800"'),
      row.replace('"GET"', ' "GET"'),
      row.replace('"/v1/orders"', '"\\/v1/orders"'),
      row.replace('[', '[[').replace(/]$/, ']]'),
    ]) {
      expect(JSON.parse(bent)).toBeTruthy();
      expect(readFastEvent(bent)).toBeUndefined();
    }
  });

  it('leaves arrays of another length to the general path', () => {
    const row = eventRow(sample);
    expect(readFastEvent(JSON.stringify(row.slice(0, -1)))).toBeUndefined();
    expect(readFastEvent(JSON.stringify([...row, false]))).toBeUndefined();
  });
});
