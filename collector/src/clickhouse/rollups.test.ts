import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, makeEvent, type TestDatabase } from '../testing.js';
import { createAnalyticsQueries, planSources, type Window } from './analytics-queries.js';
import { databaseIdent, dateTime, str, strList, uint } from './escape.js';
import { MIGRATIONS, migrate, migrationTarget, setupStatements } from './migrations.js';
import { createRequestsStore } from './requests-store.js';

/**
 * Every source choice of the query API over rollups gives the raw table's answer for the same
 * window rounded outwards to whole minutes: counts exactly, and for percentiles the same states.
 */
let t: TestDatabase;
const BASE = Date.UTC(2026, 0, 12, 0, 0, 0);
const HOUR = 3_600_000;
const CUSTOMERS = ['cus_a', 'cus_b', 'cus_c', 'cus_d', 'cus_e'];
const ROUTES: [string, string][] = [
  ['GET', '/v1/orders'],
  ['POST', '/v1/orders'],
  ['GET', '/v1/orders/{id}'],
];
const STATUSES: [number, string][] = [
  [200, ''],
  [200, ''],
  [201, ''],
  [404, 'order_not_found'],
  [429, 'rate_limited'],
  [502, 'upstream_unavailable'],
];

// Deterministic pseudo-random events over 3 days at odd minutes and seconds.
function events(n: number) {
  let x = 12345;
  const next = () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x;
  };
  return Array.from({ length: n }, (_, i) => {
    const [method, route] = ROUTES[next() % ROUTES.length]!;
    const [status, error_code] = STATUSES[next() % STATUSES.length]!;
    return makeEvent({
      request_id: `ru_${i}`,
      ts_ms: BASE + (next() % (72 * 60)) * 60_000 + (next() % 60_000),
      customer_id: CUSTOMERS[next() % CUSTOMERS.length]!,
      method,
      route,
      path: route,
      status,
      error_code,
      rate_limited: status === 429,
      latency_ms: 1 + (next() % 500) / 10,
      bytes_out: next() % 1000,
    });
  });
}

beforeAll(async () => {
  t = await createTestDatabase();
  // Install as of migration 4 with data, then upgrade: migration 5 backfills from the rollups.
  const target = migrationTarget(t.database);
  for (const sql of setupStatements(target)) await t.ch.command(sql);
  for (const m of MIGRATIONS.filter((m) => m.version <= 4)) {
    for (const sql of m.statements(target)) await t.ch.command(sql);
    await t.ch.command(
      `INSERT INTO ${target.db}.schema_migrations (version, name, applied_at) VALUES (${uint(m.version)}, ${str(m.name)}, now())`,
    );
  }
  const store = createRequestsStore(t.ch, t.database);
  const all = events(3000);
  await store.insertNew(all.slice(0, 2000));
  expect(await migrate(t.ch, t.database)).toEqual([5, 6, 7]);
  // Migration 6 replaced the minute-first per-customer tables.
  const left = await t.ch.query<{ name: string }>(
    `SELECT name FROM system.tables WHERE database = ${str(t.database)} AND name IN ${strList(['requests_1m_customers', 'requests_1h_customers', 'requests_1m_customers_mv', 'requests_1h_customers_mv'])}`,
  );
  expect(left).toEqual([]);
  // After the upgrade the new tables' views take the rest.
  await store.insertNew(all.slice(2000));
});
afterAll(() => t.drop());

/** The raw answer for a window rounded outwards to minutes. */
async function rawCounts(w: Window, groupBy: string, where = '1') {
  const db = databaseIdent(t.database);
  const from = Math.floor(w.fromMs / 60_000) * 60_000;
  const to = Math.ceil(w.toMs / 60_000) * 60_000;
  return t.ch.query<Record<string, string | number>>(
    `SELECT ${groupBy ? `${groupBy}, ` : ''}count() AS requests, countIf(status >= 400) AS errors,
       sum(rate_limited) AS rate_limited, sum(bytes_out) AS bytes_out
     FROM ${db}.requests WHERE ts >= ${dateTime(from)} AND ts < ${dateTime(to)} AND ${where}
     ${groupBy ? `GROUP BY ${groupBy} ORDER BY ${groupBy}` : ''}`,
  );
}

const WINDOWS: [string, Window][] = [
  // 1 h 37 min, not hour-aligned: minute table only (no whole hour inside).
  ['1.6 h', { fromMs: BASE + 10 * HOUR + 7 * 60_000 + 500, toMs: BASE + 11 * HOUR + 44 * 60_000 }],
  // Edges from the minute tables, whole hours from the hourly ones.
  [
    '5 h, ragged',
    { fromMs: BASE + 3 * HOUR + 17 * 60_000 + 1, toMs: BASE + 8 * HOUR + 3 * 60_000 },
  ],
  ['30 h, ragged', { fromMs: BASE + 5 * HOUR + 59 * 60_000, toMs: BASE + 35 * HOUR + 1 * 60_000 }],
  ['3 days, aligned', { fromMs: BASE, toMs: BASE + 72 * HOUR }],
];

describe('rollup answers equal the raw table', () => {
  it('plans whole hours from hourly tables and the ragged ends from minute tables', () => {
    expect(planSources(WINDOWS[1]![1], {}).map((p) => [p.table, p.fromMs, p.toMs])).toEqual([
      ['requests_1m_total', BASE + 3 * HOUR + 17 * 60_000, BASE + 4 * HOUR],
      ['requests_1h_total', BASE + 4 * HOUR, BASE + 8 * HOUR],
      ['requests_1m_total', BASE + 8 * HOUR, BASE + 8 * HOUR + 3 * 60_000],
    ]);
    expect(planSources(WINDOWS[0]![1], { customer_id: 'x' }).map((p) => p.table)).toEqual([
      'requests_1m_by_customer',
    ]);
    expect(planSources(WINDOWS[3]![1], {}, { route: true }).map((p) => p.table)).toEqual([
      'requests_1h_endpoints',
    ]);
    expect(
      planSources(WINDOWS[2]![1], { status_class: 5 }, { route: true }).map((p) => p.table),
    ).toEqual(['requests_1m_routes', 'requests_1h_routes', 'requests_1m_routes']);
  });

  for (const [name, w] of WINDOWS) {
    describe(name, () => {
      const q = () => createAnalyticsQueries(t.ch, t.database);

      it('overview', async () => {
        const [raw] = await rawCounts(w, '');
        const o = await q().overview(w, {});
        expect([o.requests, o.errors, o.rate_limited]).toEqual([
          Number(raw!.requests),
          Number(raw!.errors),
          Number(raw!.rate_limited),
        ]);
        const f = await q().overview(w, { customer_id: 'cus_b', status_class: 4 });
        const [rawF] = await rawCounts(w, '', "customer_id = 'cus_b' AND intDiv(status, 100) = 4");
        expect(f.requests).toBe(Number(rawF!.requests));
      });

      it('endpoints', async () => {
        const raw = await rawCounts(w, 'route, method');
        const rows = await q().endpoints(w, {}, 'route', 'asc', 100);
        expect(rows.map((r) => [r.route, r.method, r.requests, r.errors, r.bytes_out])).toEqual(
          raw.map((r) => [
            r.route,
            r.method,
            Number(r.requests),
            Number(r.errors),
            Number(r.bytes_out),
          ]),
        );
      });

      it('customers, ranked by counters with percentiles for the page', async () => {
        const raw = await rawCounts(w, 'customer_id');
        const rows = await q().customers(w, {}, 'customer_id', 'asc', 100);
        expect(rows.map((r) => [r.customer_id, r.requests, r.errors, r.rate_limited])).toEqual(
          raw.map((r) => [
            r.customer_id,
            Number(r.requests),
            Number(r.errors),
            Number(r.rate_limited),
          ]),
        );
        // A page of 2 by requests: the same rows and percentiles as the full table's top 2.
        const byRequests = await q().customers(w, {}, 'requests', 'desc', 100);
        const page = await q().customers(w, {}, 'requests', 'desc', 2);
        expect(page).toEqual(byRequests.slice(0, 2));
        // Sorted by a percentile (one pass merging every state): the same numbers.
        const byP95 = await q().customers(w, {}, 'p95_ms', 'desc', 100);
        expect([...byP95].sort((a, b) => a.customer_id.localeCompare(b.customer_id))).toEqual(
          [...byRequests].sort((a, b) => a.customer_id.localeCompare(b.customer_id)),
        );
        const routeFiltered = await q().customers(
          w,
          { route: '/v1/orders' },
          'requests',
          'desc',
          3,
        );
        const rawRoute = await rawCounts(w, 'customer_id', "route = '/v1/orders'");
        const top = [...rawRoute]
          .sort(
            (a, b) =>
              Number(b.requests) - Number(a.requests) ||
              String(a.customer_id).localeCompare(String(b.customer_id)),
          )
          .slice(0, 3);
        expect(routeFiltered.map((r) => [r.customer_id, r.requests])).toEqual(
          top.map((r) => [r.customer_id, Number(r.requests)]),
        );
      });

      it('status codes and top errors', async () => {
        const raw = await rawCounts(w, 'status');
        const rows = await q().statusCodes(w, {});
        expect(rows).toEqual(raw.map((r) => ({ status: r.status, requests: Number(r.requests) })));
        const rawErr = await rawCounts(w, 'error_code, status', "error_code != ''");
        const errs = await q().errorCodes(w, {}, 100);
        expect(
          [...errs].sort((a, b) => a.error_code.localeCompare(b.error_code) || a.status - b.status),
        ).toEqual(
          rawErr.map((r) => ({
            error_code: r.error_code,
            status: r.status,
            requests: Number(r.requests),
          })),
        );
      });

      it('time series sums to the raw count over its buckets', async () => {
        const s = await q().timeseries(w, {});
        const step = s.bucket_seconds * 1000;
        const aligned = {
          fromMs: Math.floor(w.fromMs / step) * step,
          toMs: Math.ceil(w.toMs / step) * step,
        };
        const [raw] = await rawCounts(aligned, '');
        expect(s.points.reduce((n, p) => n + p.requests, 0)).toBe(Number(raw!.requests));
      });
    });
  }
});

describe('request search', () => {
  it('pages newest first across its growing time slices without gaps or repeats', async () => {
    const q = createAnalyticsQueries(t.ch, t.database);
    const w = { fromMs: BASE + 2 * HOUR + 1234, toMs: BASE + 50 * HOUR };
    const db = databaseIdent(t.database);
    const expected = await t.ch.query<{ request_id: string }>(
      `SELECT request_id FROM ${db}.requests
       WHERE ts_ms >= ${uint(w.fromMs)} AND ts_ms < ${uint(w.toMs)} AND customer_id = 'cus_c'
       ORDER BY ts_ms DESC, request_id DESC`,
    );
    expect(expected.length).toBeGreaterThan(100);
    const seen: string[] = [];
    let before: { ts_ms: number; request_id: string } | undefined;
    for (;;) {
      const page = await q.searchRequests({ window: w, customer_id: 'cus_c', before, limit: 37 });
      seen.push(...page.map((e) => e.request_id));
      if (page.length < 37) break;
      const last = page[page.length - 1]!;
      before = { ts_ms: last.ts_ms, request_id: last.request_id };
    }
    expect(seen).toEqual(expected.map((r) => r.request_id));
  });
});

describe('one customer by route or status inside raw retention', () => {
  it('reads raw rows, with the same counts as requests_1m', async () => {
    const w = WINDOWS[3]![1];
    expect(planSources(w, { customer_id: 'cus_b' }, { route: true }, w.fromMs)).toEqual([
      { table: 'requests', seconds: 1, fromMs: w.fromMs, toMs: w.toMs },
    ]);
    // Outside retention, or without a customer filter: the rollups.
    expect(planSources(w, { customer_id: 'cus_b' }, { route: true }, w.fromMs + 1)[0]!.table).toBe(
      'requests_1h_route_customers',
    );
    expect(planSources(w, {}, { customer: true, route: true }, w.fromMs)[0]!.table).toBe(
      'requests_1h_route_customers',
    );
    expect(planSources(w, { customer_id: 'cus_b' }, { status: true }, w.fromMs + 1)[0]!.table).toBe(
      'requests_1m',
    );
    const rolled = createAnalyticsQueries(t.ch, t.database);
    // 400 days of raw retention: BASE is well inside.
    const raw = createAnalyticsQueries(t.ch, t.database, { rawRetentionDays: 400 });
    const counts = (rows: { route: string; method: string; requests: number; errors: number }[]) =>
      rows.map((r) => [r.route, r.method, r.requests, r.errors]);
    for (const f of [{ customer_id: 'cus_b' }, { customer_id: 'cus_d', status_class: 4 }]) {
      expect(counts(await raw.endpoints(w, f, 'route', 'asc', 100))).toEqual(
        counts(await rolled.endpoints(w, f, 'route', 'asc', 100)),
      );
      expect(await raw.statusCodes(w, f)).toEqual(await rolled.statusCodes(w, f));
    }
    const usage = (await raw.usage(w, 'cus_e')).totals;
    expect(usage.requests).toBe((await rolled.usage(w, 'cus_e')).totals.requests);
  });
});
