import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, makeEvent, type TestDatabase } from '../testing.js';
import { createAnalyticsQueries } from './analytics-queries.js';
import { databaseIdent } from './escape.js';
import { MIGRATIONS, migrate } from './migrations.js';
import { createRequestsStore } from './requests-store.js';
import { applyRetention } from './retention.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

describe('migrations', () => {
  it('apply once, are recorded in ClickHouse, and are skipped on the next start', async () => {
    expect(await migrate(t.ch, t.database)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(await migrate(t.ch, t.database)).toEqual([]);
    const rows = await t.ch.query<{ version: number }>(
      `SELECT version FROM ${databaseIdent(t.database)}.schema_migrations ORDER BY version`,
    );
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
  });
});

describe('requests store', () => {
  it('never stores a request_id twice, so raw counts and rollups stay exact on retries', async () => {
    const store = createRequestsStore(t.ch, t.database);
    const base = Date.UTC(2026, 0, 10, 12, 0, 0);
    const batch = Array.from({ length: 50 }, (_, i) =>
      makeEvent({
        request_id: `dup_${i}`,
        ts_ms: base + i * 1000,
        status: i % 10 === 0 ? 500 : 200,
      }),
    );
    expect(await store.insertNew(batch)).toMatchObject({ inserted: 50, duplicates: 0 });
    // The same batch again, plus in-batch repeats: nothing new.
    expect(await store.insertNew([...batch, ...batch.slice(0, 5)])).toMatchObject({
      inserted: 0,
      duplicates: 55,
    });
    const db = databaseIdent(t.database);
    const [raw] = await t.ch.query<{ n: number; u: number }>(
      `SELECT count() AS n, uniqExact(request_id) AS u FROM ${db}.requests WHERE request_id LIKE 'dup_%'`,
    );
    expect(raw).toEqual({ n: 50, u: 50 });
    const q = createAnalyticsQueries(t.ch, t.database);
    // Two-hour window: served by the rollup.
    const w = { fromMs: base - 3_600_000, toMs: base + 3_600_000 };
    const o = await q.overview(w, {});
    expect(o.requests).toBe(50);
    expect(o.errors).toBe(5);
    expect(o.error_rate).toBe(0.1);
  });
});

describe('retention', () => {
  it('drops raw partitions past 30 days and rollup months past 400 days, nothing newer', async () => {
    const store = createRequestsStore(t.ch, t.database);
    const now = Date.UTC(2026, 5, 15, 12, 0, 0);
    const day = 86_400_000;
    await store.insertNew([
      makeEvent({ request_id: 'ret_new', ts_ms: now - day }),
      makeEvent({ request_id: 'ret_40d', ts_ms: now - 40 * day }),
      makeEvent({ request_id: 'ret_500d', ts_ms: now - 500 * day }),
    ]);
    const result = await applyRetention(t.ch, t.database, { rawDays: 30, rollupDays: 400 }, now);
    expect(result.raw).toEqual([20250131, 20260110, 20260506]);
    expect(result.rollup).toEqual([202501]);
    const db = databaseIdent(t.database);
    const raw = await t.ch.query<{ request_id: string }>(
      `SELECT request_id FROM ${db}.requests WHERE request_id LIKE 'ret_%' ORDER BY request_id`,
    );
    expect(raw.map((r) => r.request_id)).toEqual(['ret_new']);
    const months = await t.ch.query<{ m: number }>(
      `SELECT DISTINCT toYYYYMM(minute) AS m FROM ${db}.requests_1m ORDER BY m`,
    );
    expect(months.map((r) => r.m)).toEqual([202601, 202605, 202606]);
  });
});
