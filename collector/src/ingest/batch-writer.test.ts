import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse } from '../clickhouse/client.js';
import { databaseIdent } from '../clickhouse/escape.js';
import { migrate } from '../clickhouse/migrations.js';
import { createRequestsStore } from '../clickhouse/requests-store.js';
import { createMetrics } from '../metrics.js';
import { createTestDatabase, makeEvent, type TestDatabase } from '../testing.js';
import { createBatchWriter, QueueFullError } from './batch-writer.js';

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
      writer.write([makeEvent(), makeEvent(), makeEvent(), makeEvent(), makeEvent()]),
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
    expect(await writer.write([makeEvent({ request_id: 'timer_1' })])).toEqual({
      accepted: 1,
      duplicates: 0,
    });
    const pending = writer.write([makeEvent({ request_id: 'close_1' })]);
    await writer.close();
    expect(await pending).toEqual({ accepted: 1, duplicates: 0 });
    await expect(writer.write([makeEvent()])).rejects.toThrow(QueueFullError);
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
    const first = writer.write([makeEvent(), makeEvent()]);
    await expect(writer.write(Array.from({ length: 9 }, () => makeEvent()))).rejects.toThrow(
      QueueFullError,
    );
    await expect(first).rejects.toThrow();
    expect(await metric(metrics, 'collector_insert_failures_total')).toBe(1);
    await writer.close();
    await dead.close();
  });
});
