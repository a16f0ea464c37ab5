import { gzipSync } from 'node:zlib';
import { eventRow, type RequestEvent } from '@gatehouse/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCollector, startCollector } from './app.js';
import { databaseIdent } from './clickhouse/escape.js';
import {
  createTestDatabase,
  getJson,
  makeEvent,
  ndjson,
  postEvents,
  type TestDatabase,
  testConfig,
} from './testing.js';

const BASE = Date.UTC(2026, 0, 5, 10, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const RAW = `from=${iso(BASE)}&to=${iso(BASE + 15 * 60_000)}`;
const ROLLUP = `from=${iso(BASE - 2 * 3_600_000)}&to=${iso(BASE + 2 * 3_600_000)}`;
const LONG = `from=${iso(BASE - 86_400_000)}&to=${iso(BASE + 2 * 86_400_000)}`;

/** 15 events, one a minute: 4 errors (404, 429×2, 502), 2 rate limited, two customers. */
function dataset(): RequestEvent[] {
  const specs: Partial<RequestEvent>[] = [
    ...Array.from({ length: 6 }, () => ({ customer_id: 'cus_a' })),
    ...Array.from({ length: 2 }, () => ({
      customer_id: 'cus_a',
      method: 'POST',
      status: 201,
      latency_ms: 20,
      bytes_out: 50,
    })),
    {
      customer_id: 'cus_a',
      route: '/v1/orders/{id}',
      path: '/v1/orders/o_1',
      status: 404,
      error_code: 'order_not_found',
      latency_ms: 5,
    },
    ...Array.from({ length: 3 }, () => ({ customer_id: 'cus_b' })),
    ...Array.from({ length: 2 }, () => ({
      customer_id: 'cus_b',
      status: 429,
      error_code: 'rate_limited',
      rate_limited: true,
      latency_ms: 1,
    })),
    { customer_id: 'cus_b', status: 502, error_code: 'upstream_unavailable', latency_ms: 30 },
  ];
  return specs.map((s, i) =>
    makeEvent({
      request_id: `r_${String(i).padStart(2, '0')}`,
      ts_ms: BASE + i * 60_000 + 123,
      ...s,
    }),
  );
}

let t: TestDatabase;
let c: RunningCollector;
const events = dataset();

beforeAll(async () => {
  t = await createTestDatabase();
  c = await startCollector(testConfig(t), { retention: false });
  const first = await postEvents(c.url, ndjson(events.slice(0, 10)));
  expect(first).toEqual({ status: 200, body: { accepted: 10, duplicates: 0 } });
  // The rest as the gateway sends them: gzip-compressed positional lines.
  const positional = events
    .slice(10)
    .map((e) => `${JSON.stringify(eventRow(e))}\n`)
    .join('');
  const second = await postEvents(c.url, gzipSync(positional), {
    'content-encoding': 'gzip',
  });
  expect(second).toEqual({ status: 200, body: { accepted: 5, duplicates: 0 } });
});

afterAll(async () => {
  await c?.close();
  await t?.drop();
});

async function counts(): Promise<{ n: number; u: number }> {
  const [row] = await t.ch.query<{ n: number; u: number }>(
    `SELECT count() AS n, uniqExact(request_id) AS u FROM ${databaseIdent(t.database)}.requests`,
  );
  return row!;
}

describe('ingest', () => {
  it('stores a retried batch once: count() and uniqExact(request_id) equal the unique events', async () => {
    // Object lines this time: an event is the same event in either shape.
    const again = await postEvents(c.url, ndjson(events));
    expect(again).toEqual({ status: 200, body: { accepted: 0, duplicates: 15 } });
    // A sender's marked retry (attempt 2) is looked up the same way.
    const retry = await postEvents(c.url, ndjson(events), { 'gatehouse-batch-attempt': '2' });
    expect(retry).toEqual({ status: 200, body: { accepted: 0, duplicates: 15 } });
    // Concurrent retries of the same batch, too.
    const results = await Promise.all(
      [1, 2, 3].map(() => postEvents(c.url, ndjson(events.slice(0, 5)))),
    );
    for (const r of results)
      expect(r).toEqual({ status: 200, body: { accepted: 0, duplicates: 5 } });
    expect(await counts()).toEqual({ n: 15, u: 15 });
    const o = await getJson(c.url, `/api/v1/overview?${ROLLUP}`);
    expect(o.body.requests).toBe(15);
  });

  it('refuses a batch with an invalid line as a whole, with a reason per line', async () => {
    const good = makeEvent({ request_id: 'never_stored', ts_ms: BASE });
    const body = [
      JSON.stringify(good),
      '{not json',
      JSON.stringify({ ...good, request_id: 'x2', status: 42 }),
      JSON.stringify(eventRow({ ...good, request_id: 'x3' })),
      JSON.stringify(eventRow({ ...good, request_id: 'x4' }).slice(0, 20)),
      JSON.stringify(eventRow({ ...good, request_id: 'x5' }).with(14, '12')),
      '',
    ].join('\n');
    const res = await postEvents(c.url, body);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('invalid_events');
    expect(res.body.error.details).toEqual({
      invalid_rows: 4,
      rows: [
        { line: 2, message: 'not valid JSON' },
        { line: 3, field: 'status', message: expect.any(String) },
        { line: 5, message: 'a positional event has 21 values, this one 20' },
        { line: 6, field: 'bytes_in', message: expect.any(String) },
      ],
      truncated: false,
    });
    expect(await counts()).toEqual({ n: 15, u: 15 });
  });

  it('requires the ingest token', async () => {
    const none = await fetch(`${c.url}/v1/events`, { method: 'POST', body: ndjson(events) });
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    const wrong = await postEvents(c.url, ndjson(events), {
      authorization: 'Bearer admin-token-for-tests-00001',
    });
    expect(wrong.status).toBe(401);
  });
});

describe('query API', () => {
  for (const [name, window] of [
    ['raw table (≤ 1 h)', RAW],
    ['minute rollups (> 1 h)', ROLLUP],
    ['hourly rollups (> 24 h)', LONG],
  ] as const) {
    describe(name, () => {
      it('overview counts requests, errors, rate limits and percentiles', async () => {
        const { status, body } = await getJson(c.url, `/api/v1/overview?${window}`);
        expect(status).toBe(200);
        expect(body).toMatchObject({
          requests: 15,
          errors: 4,
          error_rate: 0.266667,
          rate_limited: 2,
          p50_ms: 10,
        });
        expect(body.p99_ms).toBeGreaterThanOrEqual(20);
        expect(body.p99_ms).toBeLessThanOrEqual(30);
      });

      it('endpoints are grouped by route and method and sortable', async () => {
        const { body } = await getJson(c.url, `/api/v1/endpoints?${window}`);
        expect(
          body.items.map((r: Record<string, unknown>) => [
            r.method,
            r.route,
            r.requests,
            r.errors,
            r.bytes_out,
          ]),
        ).toEqual([
          ['GET', '/v1/orders', 12, 3, 1200],
          ['POST', '/v1/orders', 2, 0, 100],
          ['GET', '/v1/orders/{id}', 1, 1, 100],
        ]);
        const asc = await getJson(c.url, `/api/v1/endpoints?${window}&sort=error_rate&order=desc`);
        expect(
          asc.body.items.map((r: { route: string; method: string }) => `${r.method} ${r.route}`),
        ).toEqual(['GET /v1/orders/{id}', 'GET /v1/orders', 'POST /v1/orders']);
      });

      it('customers, status codes and top errors', async () => {
        const cus = await getJson(c.url, `/api/v1/customers?${window}`);
        expect(
          cus.body.items.map((r: Record<string, unknown>) => [
            r.customer_id,
            r.requests,
            r.errors,
            r.rate_limited,
          ]),
        ).toEqual([
          ['cus_a', 9, 1, 0],
          ['cus_b', 6, 3, 2],
        ]);
        const st = await getJson(c.url, `/api/v1/status-codes?${window}`);
        expect(st.body.items).toEqual([
          { status: 200, requests: 9 },
          { status: 201, requests: 2 },
          { status: 404, requests: 1 },
          { status: 429, requests: 2 },
          { status: 502, requests: 1 },
        ]);
        const er = await getJson(c.url, `/api/v1/errors?${window}`);
        expect(er.body.items).toEqual([
          { error_code: 'rate_limited', status: 429, requests: 2 },
          { error_code: 'order_not_found', status: 404, requests: 1 },
          { error_code: 'upstream_unavailable', status: 502, requests: 1 },
        ]);
        const filtered = await getJson(
          c.url,
          `/api/v1/status-codes?${window}&customer_id=cus_b&status_class=4`,
        );
        expect(filtered.body.items).toEqual([{ status: 429, requests: 2 }]);
      });

      it('timeseries covers the window with an automatic bucket and sums to the total', async () => {
        const { body } = await getJson(c.url, `/api/v1/timeseries?${window}`);
        const span = { [RAW]: 900, [ROLLUP]: 14_400, [LONG]: 259_200 }[window]!;
        expect(body.bucket_seconds).toBe({ [RAW]: 10, [ROLLUP]: 60, [LONG]: 3600 }[window]);
        expect(body.points).toHaveLength(span / body.bucket_seconds);
        expect(body.points.reduce((s: number, p: { requests: number }) => s + p.requests, 0)).toBe(
          15,
        );
        const first = body.points.find((p: { ts: number }) => p.ts === BASE);
        // All 15 events fall in the hour starting at BASE.
        expect(first.requests).toBe(window === LONG ? 15 : 1);
        const errs = await getJson(
          c.url,
          `/api/v1/timeseries?${window}&route=${encodeURIComponent('/v1/orders')}&customer_id=cus_b`,
        );
        expect(errs.body.points.reduce((s: number, p: { errors: number }) => s + p.errors, 0)).toBe(
          3,
        );
      });

      it("usage reports one customer's own numbers", async () => {
        const { body } = await getJson(c.url, `/api/v1/usage?customer_id=cus_b&${window}`);
        expect(body).toMatchObject({
          customer_id: 'cus_b',
          requests: 6,
          errors: 3,
          rate_limited: 2,
          bytes_out: 600,
        });
        expect(body.endpoints).toHaveLength(1);
      });
    });
  }

  it('request search pages newest first with a cursor, without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/api/v1/requests?${RAW}&customer_id=cus_a&limit=4${cursor ? `&cursor=${cursor}` : ''}`;
      const { status, body } = await getJson(c.url, q);
      expect(status).toBe(200);
      seen.push(...body.items.map((e: RequestEvent) => e.request_id));
      cursor = body.next_cursor;
      expect(body.has_more).toBe(cursor !== null);
    } while (cursor);
    expect(seen).toEqual(['r_08', 'r_07', 'r_06', 'r_05', 'r_04', 'r_03', 'r_02', 'r_01', 'r_00']);
    const byStatus = await getJson(c.url, `/api/v1/requests?${RAW}&status=429`);
    expect(byStatus.body.items.map((e: RequestEvent) => e.request_id)).toEqual(['r_13', 'r_12']);
  });

  it('returns one full event by request_id', async () => {
    const one = await getJson(c.url, '/api/v1/requests/r_13');
    expect(one).toEqual({ status: 200, body: events[13] });
    const missing = await getJson(c.url, '/api/v1/requests/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('request_not_found');
  });

  it('refuses bad parameters and too large ranges with 422 naming the field', async () => {
    const cases: [string, string, string][] = [
      ['/api/v1/overview?range=2h', 'invalid_query', 'range'],
      ['/api/v1/endpoints?sort=drop', 'invalid_query', 'sort'],
      ['/api/v1/requests?limit=0', 'invalid_query', 'limit'],
      [`/api/v1/overview?from=${iso(BASE)}&to=${iso(BASE - 1)}`, 'invalid_query', 'from'],
      [
        `/api/v1/overview?from=${iso(BASE - 200 * 86_400_000)}&to=${iso(BASE)}`,
        'range_too_large',
        'from',
      ],
      [
        `/api/v1/requests?from=${iso(BASE - 40 * 86_400_000)}&to=${iso(BASE)}`,
        'range_too_large',
        'from',
      ],
      ['/api/v1/requests?cursor=abc', 'invalid_query', 'cursor'],
      ['/api/v1/usage', 'invalid_query', 'customer_id'],
    ];
    for (const [path, code, field] of cases) {
      const { status, body } = await getJson(c.url, path);
      expect({ path, status, code: body.error.code, field: body.error.field }).toEqual({
        path,
        status: 422,
        code,
        field,
      });
    }
    const noToken = await getJson(c.url, '/api/v1/overview', 'wrong-token-wrong-token');
    expect(noToken.status).toBe(401);
  });
});

describe('operations', () => {
  it('serves health, readiness, metrics and the OpenAPI document', async () => {
    expect((await fetch(`${c.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${c.url}/readyz`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`${c.url}/metrics`)).text();
    expect(metrics).toMatch(/^collector_rows_ingested_total 15$/m);
    expect(metrics).toMatch(/^collector_rows_duplicate_total 45$/m);
    expect(metrics).toMatch(/^collector_queue_rows 0$/m);
    expect(metrics).toContain('collector_insert_duration_seconds_bucket');
    const doc = (await (await fetch(`${c.url}/openapi.json`)).json()) as { paths: object };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/events',
        '/api/v1/overview',
        '/api/v1/requests/{request_id}',
        '/api/v1/usage',
      ]),
    );
    const missing = await fetch(`${c.url}/nope`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
});
