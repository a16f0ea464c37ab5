import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventFromRow, eventRow } from '@gatehouse/shared';
import { type ClickHouse, createClickHouse } from '../clickhouse/client.js';
import { databaseIdent } from '../clickhouse/escape.js';
import { migrate } from '../clickhouse/migrations.js';
import {
  createRequestsStore,
  encodeEvents,
  fromRow,
  type RequestRow,
} from '../clickhouse/requests-store.js';
import { createMetrics } from '../metrics.js';
import { createTestDatabase, makeEvent, type TestDatabase } from '../testing.js';
import { createBatchWriter, QueueFullError } from './batch-writer.js';
import { parseNdjsonBatch } from './ndjson.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await migrate(t.ch, t.database);
});
afterAll(() => t.drop());

async function metric(m: ReturnType<typeof createMetrics>, name: string): Promise<number> {
  const text = await m.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return Number(line?.split(' ').pop() ?? Number.NaN);
}

describe('batch writer', () => {
  it('coalesces many small writes into few inserts and settles each after the insert', async () => {
    const metrics = createMetrics();
    const writer = createBatchWriter({
      store: createRequestsStore(t.ch, t.database),
      batchRows: 100,
      flushMs: 60_000, // only the size trigger can fire during this test
      maxQueueRows: 10_000,
      metrics,
    });
    const writes = Array.from({ length: 40 }, () =>
      writer.write(encodeEvents([makeEvent(), makeEvent(), makeEvent(), makeEvent(), makeEvent()])),
    );
    const results = await Promise.all(writes);
    expect(results.every((r) => r.accepted === 5 && r.duplicates === 0)).toBe(true);
    expect(await metric(metrics, 'collector_batches_total')).toBe(2);
    expect(await metric(metrics, 'collector_rows_ingested_total')).toBe(200);
    await writer.close();
  });

  it('flushes a partial batch on the timer and on close', async () => {
    const metrics = createMetrics();
    const writer = createBatchWriter({
      store: createRequestsStore(t.ch, t.database),
      batchRows: 1000,
      flushMs: 10,
      maxQueueRows: 10_000,
      metrics,
    });
    expect(await writer.write(encodeEvents([makeEvent({ request_id: 'timer_1' })]))).toEqual({
      accepted: 1,
      duplicates: 0,
    });
    const pending = writer.write(encodeEvents([makeEvent({ request_id: 'close_1' })]));
    await writer.close();
    expect(await pending).toEqual({ accepted: 1, duplicates: 0 });
    await expect(writer.write(encodeEvents([makeEvent()]))).rejects.toThrow(QueueFullError);
    const rows = await t.ch.query<{ n: number }>(
      `SELECT count() AS n FROM ${databaseIdent(t.database)}.requests WHERE request_id IN ('timer_1', 'close_1')`,
    );
    expect(rows).toEqual([{ n: 2 }]);
  });

  it('rejects the waiting writes when ClickHouse is unreachable, and refuses writes over the queue bound', async () => {
    const dead = createClickHouse({ url: 'http://127.0.0.1:9', requestTimeoutMs: 2000 });
    const metrics = createMetrics();
    const writer = createBatchWriter({
      store: createRequestsStore(dead, t.database),
      batchRows: 10,
      flushMs: 10,
      maxQueueRows: 10,
      metrics,
    });
    const first = writer.write(encodeEvents([makeEvent(), makeEvent()]));
    await expect(
      writer.write(encodeEvents(Array.from({ length: 9 }, () => makeEvent()))),
    ).rejects.toThrow(QueueFullError);
    await expect(first).rejects.toThrow();
    expect(await metric(metrics, 'collector_insert_failures_total')).toBe(1);
    await writer.close();
    await dead.close();
  });
});

describe('admission', () => {
  it('admits a request only while the queue has room, and wakes a waiting one when an insert takes rows', async () => {
    const writer = createBatchWriter({
      store: createRequestsStore(t.ch, t.database),
      batchRows: 1000,
      flushMs: 50,
      maxQueueRows: 10,
      metrics: createMetrics(),
    });
    const written = writer.write(encodeEvents(Array.from({ length: 10 }, () => makeEvent())));
    expect(await writer.admit(0)).toBeUndefined(); // full: refused without waiting
    const release = await writer.admit(60_000); // room comes when the timer's insert takes the rows
    expect(release).toBeTypeOf('function');
    // The room is held for the admitted request: nobody else gets in until it is released.
    expect(await writer.admit(0)).toBeUndefined();
    release!();
    release!(); // a second release changes nothing
    const again = await writer.admit(0);
    expect(again).toBeTypeOf('function');
    expect(await writer.admit(0)).toBeUndefined();
    again!();
    await written;
    await writer.close();
    expect(await writer.admit(60_000)).toBeUndefined(); // closed: refused at once
  });
});

describe('what reaches ClickHouse', () => {
  it('stores every spelling JSON.parse accepts exactly as JSON.parse reads it, even those ClickHouse 18.16 reads more strictly', async () => {
    const base = JSON.stringify(makeEvent({ request_id: 'spell_0', status: 200, bytes_in: 10 }));
    const spelled = (id: string, from: string, to: string) =>
      base.replace('"spell_0"', `"${id}"`).replace(from, to);
    const lines = [
      base,
      spelled('spell_1', '"status":200', '"status":200.0'),
      spelled('spell_2', '"status":200', '"status":2e2'),
      spelled('spell_3', '"bytes_in":10', '"bytes_in":-0'),
      spelled('spell_4', '"trace_id":""', '"trace_id":"\\ud800x"'),
      spelled('spell_5', '"method":"GET"', '"method":"PUT","method" : "GET"'),
      spelled('spell_6', '"route":"', '"route":"\\"tab\\t\\u00e9'),
      spelled('spell_7', '{', '{  '),
      // Positional lines: the gateway's own (fast path), and spellings only JSON.parse takes.
      JSON.stringify(eventRow(makeEvent({ request_id: 'spell_8', status: 201, bytes_in: 7 }))),
      JSON.stringify(
        eventRow(makeEvent({ request_id: 'spell_9', route: '"q"\t\u00e9', trace_id: '\ud800y' })),
      ),
      JSON.stringify(eventRow(makeEvent({ request_id: 'spell_a' }))).replace(',200,', ' , 2e2 ,'),
    ];
    const parsed = parseNdjsonBatch(lines.join('\r\n'));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.rejection));
    const store = createRequestsStore(t.ch, t.database);
    expect(await store.insertBatches([parsed.events], [false])).toEqual([lines.length]);
    const rows = await t.ch.query<RequestRow>(
      `SELECT * FROM ${databaseIdent(t.database)}.requests WHERE request_id LIKE 'spell_%' ORDER BY request_id`,
    );
    const expected = lines.map((l) => {
      const parsedLine = JSON.parse(l);
      const e = Array.isArray(parsedLine) ? eventFromRow(parsedLine)! : parsedLine;
      e.trace_id = e.trace_id.toWellFormed(); // a lone surrogate cannot be stored as UTF-8
      e.bytes_in += 0; // -0 is 0 in a UInt64 column
      return e;
    });
    expect(rows.map(fromRow)).toEqual(expected);
    expect(rows.map((r) => r.ts)).toEqual(
      expected.map((e) =>
        new Date(Math.floor(e.ts_ms / 1000) * 1000).toISOString().slice(0, 19).replace('T', ' '),
      ),
    );
  });

  it('a streamed insert that fails midway acknowledges nothing and stores nothing; the retry stores each row once', async () => {
    // The first insert streams its first chunk (several MB) to ClickHouse, then breaks off.
    let breakNext = true;
    const flaky: ClickHouse = {
      ...t.ch,
      insertLines(table, chunks) {
        if (!breakNext) return t.ch.insertLines(table, chunks);
        breakNext = false;
        return t.ch.insertLines(
          table,
          (function* () {
            let n = 0;
            for (const c of chunks) {
              if (n++ === 1) throw new Error('sender went away mid-stream');
              yield c;
            }
          })(),
        );
      },
    };
    const metrics = createMetrics();
    const writer = createBatchWriter({
      store: createRequestsStore(flaky, t.database),
      batchRows: 100_000,
      flushMs: 10,
      maxQueueRows: 100_000,
      metrics,
    });
    const batches = [0, 1, 2].map((b) =>
      encodeEvents(
        Array.from({ length: 10_000 }, (_, i) =>
          makeEvent({ request_id: `mid_${b}_${i}`, user_agent: 'x'.repeat(300) }),
        ),
      ),
    );
    const first = await Promise.allSettled(
      batches.map((b) => writer.write(b, { firstAttempt: true })),
    );
    expect(first.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    const db = databaseIdent(t.database);
    const count = async () =>
      (
        await t.ch.query<{ n: number; u: number }>(
          `SELECT count() AS n, uniqExact(request_id) AS u FROM ${db}.requests WHERE request_id LIKE 'mid_%'`,
        )
      )[0];
    expect(await count()).toEqual({ n: 0, u: 0 });
    // The senders retry (attempt 2, so the writer looks the ids up), one batch twice over.
    const retried = await Promise.all(
      [...batches, batches[1]!].map((b) => writer.write(b, { firstAttempt: false })),
    );
    expect(retried.map((r) => r.accepted)).toEqual([10_000, 10_000, 10_000, 0]);
    expect(await count()).toEqual({ n: 30_000, u: 30_000 });
    await writer.close();
  });
});
