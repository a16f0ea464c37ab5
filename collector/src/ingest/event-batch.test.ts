import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import {
  EVENT_BATCH_CONTENT_TYPE,
  EventBatchWriter,
  eventRow,
  type RequestEvent,
} from '@gatehouse/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCollector, startCollector } from '../app.js';
import { databaseIdent, strList } from '../clickhouse/escape.js';
import { fromRow, type RequestRow } from '../clickhouse/requests-store.js';
import {
  createTestDatabase,
  makeEvent,
  ndjson,
  postEvents,
  type TestDatabase,
  testConfig,
} from '../testing.js';

const BASE = Date.UTC(2026, 0, 6, 10, 0, 0);
/** The body limit of this file's collector: small, so a few events exceed it. */
const MAX_BODY_BYTES = 64 * 1024;

let t: TestDatabase;
let c: RunningCollector;

beforeAll(async () => {
  t = await createTestDatabase();
  c = await startCollector(testConfig(t, { maxBodyBytes: MAX_BODY_BYTES }), { retention: false });
});

afterAll(async () => {
  await c?.close();
  await t?.drop();
});

function batchOf(events: readonly RequestEvent[]): Buffer {
  const w = new EventBatchWriter();
  for (const e of events) w.append(e);
  return w.finish();
}

const postBatch = (body: Buffer, headers: Record<string, string> = {}) =>
  postEvents(c.url, body, { 'content-type': EVENT_BATCH_CONTENT_TYPE, ...headers });

/** `n` valid events a second apart, each with its own id. */
const eventsAt = (n: number, overrides: Partial<RequestEvent> = {}): RequestEvent[] =>
  Array.from({ length: n }, (_, i) => makeEvent({ ts_ms: BASE + i * 1000, ...overrides }));

/** The stored rows (every one, duplicates included) of these ids, by id. */
async function storedRows(events: readonly RequestEvent[]): Promise<RequestRow[]> {
  return t.ch.query<RequestRow>(
    `SELECT * FROM ${databaseIdent(t.database)}.requests
     WHERE request_id IN ${strList(events.map((e) => e.request_id))} ORDER BY request_id`,
  );
}

const byId = (events: readonly RequestEvent[]) =>
  [...events].sort((a, b) => (a.request_id < b.request_id ? -1 : 1));

describe('POST /v1/events with an event batch', () => {
  it('stores every field of every event as sent, unicode and SQL metacharacters included', async () => {
    const events = [
      makeEvent({
        ts_ms: BASE + 5000,
        trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
        auth_method: 'jwt',
        method: 'POST',
        route: '/v1/commandes/{id}',
        path: '/v1/commandes/crème-brûlée/日本語?q=%E2%9C%93',
        user_agent: 'Mozilla/5.0 (Linux; Ünïcødé 日本語) Sörvice/1.0 😀',
        status: 201,
        latency_ms: 12.345678,
        upstream_latency_ms: 0,
        bytes_in: 2 ** 40,
        bytes_out: 0,
        client_ip: '2001:db8::1',
        rate_limited: true,
        idempotency_key: true,
      }),
      // Earlier than the one before: the batch carries time as differences, negative ones too.
      makeEvent({
        ts_ms: BASE,
        customer_id: "cus_'; DROP TABLE requests; --",
        key_id: 'key`with`backticks',
        auth_method: 'none',
        route: '',
        path: '/v1/a\\b"c\'d\te\nf',
        status: 599,
        error_code: "it's \\ broken",
        user_agent: '"quoted" \\ \'agent\' \u0001',
        latency_ms: 0.1,
        upstream_latency_ms: 1e-3,
        idempotent_replayed: true,
      }),
      // Repeats of the first's words: read back from the batch's dictionary.
      makeEvent({
        ts_ms: BASE + 5000,
        route: '/v1/commandes/{id}',
        user_agent: 'Mozilla/5.0 (Linux; Ünïcødé 日本語) Sörvice/1.0 😀',
        customer_id: "cus_'; DROP TABLE requests; --",
      }),
    ];
    const res = await postBatch(batchOf(events));
    expect(res).toEqual({ status: 200, body: { accepted: 3, duplicates: 0 } });
    const rows = await storedRows(events);
    expect(rows.map(fromRow)).toEqual(byId(events));
    expect(rows.map((r) => r.ts)).toEqual(
      byId(events).map((e) =>
        new Date(Math.floor(e.ts_ms / 1000) * 1000).toISOString().slice(0, 19).replace('T', ' '),
      ),
    );
  });

  it('stores a gzip-compressed batch sent with Content-Encoding: gzip', async () => {
    const events = eventsAt(20, { user_agent: 'agent/ç' });
    const res = await postBatch(gzipSync(batchOf(events)), { 'content-encoding': 'gzip' });
    expect(res).toEqual({ status: 200, body: { accepted: 20, duplicates: 0 } });
    expect((await storedRows(events)).map(fromRow)).toEqual(byId(events));
  });

  it('acknowledges a batch of no events (the header alone) as it does an empty NDJSON body', async () => {
    const empty = { status: 200, body: { accepted: 0, duplicates: 0 } };
    expect(await postEvents(c.url, '')).toEqual(empty);
    expect(await postBatch(new EventBatchWriter().finish())).toEqual(empty);
  });

  it('counts a retried batch as duplicates and stores nothing twice', async () => {
    const events = eventsAt(5);
    const body = batchOf(events);
    const first = await postBatch(body, { 'gatehouse-batch-attempt': '1' });
    expect(first).toEqual({ status: 200, body: { accepted: 5, duplicates: 0 } });
    const retry = await postBatch(body, { 'gatehouse-batch-attempt': '2' });
    expect(retry).toEqual({ status: 200, body: { accepted: 0, duplicates: 5 } });
    // A retry the spool replays gzip-compressed, with one event new to the collector.
    const more = [...events, makeEvent({ ts_ms: BASE })];
    const replay = await postBatch(gzipSync(batchOf(more)), {
      'gatehouse-batch-attempt': '3',
      'content-encoding': 'gzip',
    });
    expect(replay).toEqual({ status: 200, body: { accepted: 1, duplicates: 5 } });
    expect((await storedRows(more)).map(fromRow)).toEqual(byId(more));
  });

  it('counts an event sent as an NDJSON line and again in a batch (or the other way round) as a duplicate', async () => {
    const [viaNdjson, viaBatch, fresh] = eventsAt(3);
    const line = await postEvents(c.url, ndjson([eventRow(viaNdjson!)]));
    expect(line).toEqual({ status: 200, body: { accepted: 1, duplicates: 0 } });
    const batch = await postBatch(batchOf([viaNdjson!, viaBatch!, fresh!]));
    expect(batch).toEqual({ status: 200, body: { accepted: 2, duplicates: 1 } });
    const objectLines = await postEvents(c.url, ndjson([viaBatch, fresh]));
    expect(objectLines).toEqual({ status: 200, body: { accepted: 0, duplicates: 2 } });
    const all = [viaNdjson!, viaBatch!, fresh!];
    expect((await storedRows(all)).map(fromRow)).toEqual(byId(all));
  });

  it('refuses a batch with invalid events as a whole, naming each by its position and field', async () => {
    const events = eventsAt(6);
    events[2] = { ...events[2]!, status: 42 };
    events[4] = { ...events[4]!, auth_method: 'root' as RequestEvent['auth_method'] };
    events[5] = { ...events[5]!, latency_ms: Number.NaN };
    const res = await postBatch(batchOf(events));
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('invalid_events');
    expect(res.body.error.details).toEqual({
      invalid_rows: 3,
      rows: [
        { line: 3, field: 'status', message: expect.any(String) },
        { line: 5, field: 'auth_method', message: expect.any(String) },
        { line: 6, field: 'latency_ms', message: expect.any(String) },
      ],
      truncated: false,
    });
    expect(await storedRows(events)).toEqual([]);
  });

  it('lists the first 100 invalid events of a batch and says the list is truncated', async () => {
    const events = eventsAt(150).map((e, i) => (i === 0 ? e : { ...e, request_id: '' }));
    const res = await postBatch(batchOf(events));
    expect(res.status).toBe(422);
    expect(res.body.error.details.invalid_rows).toBe(149);
    expect(res.body.error.details.truncated).toBe(true);
    expect(res.body.error.details.rows.map((r: { line: number }) => r.line)).toEqual(
      Array.from({ length: 100 }, (_, i) => i + 2),
    );
    expect(res.body.error.details.rows[0]).toEqual({
      line: 2,
      field: 'request_id',
      message: expect.any(String),
    });
    expect(await storedRows(events.slice(0, 1))).toEqual([]);
  });

  it('refuses an unreadable body with 400 invalid_event_batch and the reason, storing nothing', async () => {
    const events = eventsAt(3);
    const whole = batchOf(events);
    const noise = randomBytes(300);
    noise[0] = 0; // never "GHEB"
    const cases: [string, Buffer, Record<string, string>, string | RegExp][] = [
      [
        'cut short',
        whole.subarray(0, whole.length - 3),
        {},
        /^event batch unreadable at event 3 \(byte \d+\): it ends /,
      ],
      [
        'cut short, gzip-compressed',
        gzipSync(whole.subarray(0, whole.length - 3)),
        { 'content-encoding': 'gzip' },
        /^event batch unreadable at event 3 /,
      ],
      ['random bytes', noise, {}, 'not an event batch: the body does not start with "GHEB"'],
      [
        'NDJSON labelled as a batch',
        Buffer.from(ndjson(events)),
        {},
        'not an event batch: the body does not start with "GHEB"',
      ],
    ];
    for (const [name, body, headers, message] of cases) {
      const res = await postBatch(body, headers);
      expect({ name, status: res.status, code: res.body.error?.code }).toEqual({
        name,
        status: 400,
        code: 'invalid_event_batch',
      });
      expect(res.body.error.message).toMatch(message);
    }
    expect(await storedRows(events)).toEqual([]);
  });

  it('refuses a batch of an unknown version with 415, which senders keep for an upgraded collector', async () => {
    const events = eventsAt(3);
    const otherVersion = Buffer.from(batchOf(events));
    otherVersion[4] = 2;
    const res = await postBatch(otherVersion, {});
    expect(res.status).toBe(415);
    expect(res.body.error).toMatchObject({
      code: 'unsupported_event_batch_version',
      message:
        'event batch version 2 is not supported (this collector reads version 1); upgrade the collector',
    });
    expect(await storedRows(events)).toEqual([]);
  });

  it('refuses a body over the limit with the same 413 as NDJSON, compressed or not, storing nothing', async () => {
    // Distinct 2 KB paths: the batch cannot shorten them, and it inflates past the limit.
    const events = eventsAt(40).map((e, i) => ({ ...e, path: `/v1/${i}/${'p'.repeat(2000)}` }));
    const body = batchOf(events);
    expect(body.length).toBeGreaterThan(MAX_BODY_BYTES);
    const asNdjson = await postEvents(c.url, ndjson(events.map(eventRow)));
    const answers = [
      await postBatch(body),
      await postBatch(gzipSync(body), { 'content-encoding': 'gzip' }),
    ];
    expect(asNdjson.status).toBe(413);
    for (const res of answers) {
      expect(res.status).toBe(413);
      expect({ ...res.body.error, request_id: '' }).toEqual({
        ...asNdjson.body.error,
        request_id: '',
      });
    }
    expect(asNdjson.body.error.code).toBe('payload_too_large');
    expect(await storedRows(events)).toEqual([]);
  });

  it('still refuses a content type that is neither NDJSON nor an event batch with 415', async () => {
    const res = await postEvents(c.url, batchOf(eventsAt(1)), {
      'content-type': 'application/octet-stream',
    });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('unsupported_encoding');
  });
});
