/**
 * The alert evaluator's windows against real ClickHouse: a window is the trailing
 * [end − length, end) to the millisecond, wherever `end` falls in its minute, with whole
 * minutes read from the rollups and the partial ends from raw rows. Each test works in its own
 * hour, so scopes without a route or customer see only that test's rows.
 */
import type { RequestEvent } from '@gatehouse/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, makeEvent, type TestDatabase } from '../testing.js';
import {
  type AlertQueries,
  type AlertScope,
  createAlertQueries,
  splitWindow,
} from './alert-queries.js';
import { migrate } from './migrations.js';
import { createRequestsStore } from './requests-store.js';

const MIN = 60_000;
const HOUR = 3_600_000;
/** A minute boundary; test `i` uses the hour from BASE + i hours. */
const BASE = Date.UTC(2026, 0, 12, 0, 30, 0);

let t: TestDatabase;
let q: AlertQueries;

async function insert(events: RequestEvent[]) {
  await createRequestsStore(t.ch, t.database).insertNew(events);
}

const at = (ts_ms: number, status: number, extra: Partial<RequestEvent> = {}) =>
  makeEvent({ ts_ms, status, error_code: status >= 400 ? 'some_error' : '', ...extra });

beforeAll(async () => {
  t = await createTestDatabase();
  await migrate(t.ch, t.database);
  q = createAlertQueries(t.ch, t.database);
});
afterAll(() => t.drop());

describe('splitWindow', () => {
  it('gives the rollups the whole minutes inside the window and raw rows the rest', () => {
    const M = BASE;
    // 5 minutes ending 10 s into a minute: 4 whole minutes, 50 s before them, 10 s after.
    expect(splitWindow(M - 290_000, M + 10_000)).toEqual({ lo: M - 4 * MIN, hi: M });
    // Aligned ends: all whole minutes, nothing raw.
    expect(splitWindow(M - 5 * MIN, M)).toEqual({ lo: M - 5 * MIN, hi: M });
    // One minute ending mid-minute holds no whole minute: all raw.
    expect(splitWindow(M - 50_000, M + 10_000)).toEqual({ lo: M + 10_000, hi: M + 10_000 });
    expect(splitWindow(M - MIN + 1, M + 1)).toEqual({ lo: M + 1, hi: M + 1 });
  });
});

describe('windowStats over a sliding window', () => {
  it('counts errors from the previous minute in a 1m window that crosses a minute boundary', async () => {
    const M = BASE;
    const route = '/v1/cross';
    await insert([
      // 50 s to 41 s before the end: the outage, in the previous calendar minute.
      ...Array.from({ length: 10 }, (_, i) => at(M - 40_000 + i * 1000, 503, { route })),
      // The new minute so far: a few good requests.
      ...Array.from({ length: 5 }, (_, i) => at(M + 1000 + i * 1000, 200, { route })),
    ]);
    const end = M + 10_000;
    for (const scope of [
      { route, customer_id: null },
      { route, customer_id: 'cus_a' },
      { route: null, customer_id: null },
    ]) {
      expect(await q.windowStats(scope, end, MIN, false), JSON.stringify(scope)).toEqual({
        requests: 15,
        errors_5xx: 10,
        status_4xx: 0,
        status_429: 0,
        p95_ms: 0,
        p99_ms: 0,
      });
    }
  });

  it('leaves out requests before the window start and from its end on, even in the same minute', async () => {
    const M = BASE + HOUR;
    const route = '/v1/edges';
    const end = M + 20_000;
    const start = end - MIN;
    await insert([
      at(start - 1, 500, { route }), // before the window, same calendar minute as its start
      at(start, 500, { route }), // the first millisecond in
      at(M - 1, 429, { route }),
      at(end - 1, 404, { route }), // the last millisecond in
      at(end, 500, { route }), // the next window's
      at(end + 30_000, 500, { route }), // later in the current calendar minute
      at(end + 35_000, 200, { route }),
    ]);
    expect(await q.windowStats({ route, customer_id: null }, end, MIN, true)).toMatchObject({
      requests: 3,
      errors_5xx: 1,
      status_4xx: 2,
      status_429: 1,
    });
  });

  it('matches a count of the raw events for any alignment of the window', async () => {
    const M = BASE + 2 * HOUR;
    let x = 4242;
    const next = () => {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      return x;
    };
    const statuses = [200, 200, 201, 404, 429, 500, 503];
    const events = Array.from({ length: 600 }, () =>
      at(M - 10 * MIN + (next() % (13 * MIN)), statuses[next() % statuses.length]!, {
        route: next() % 2 === 0 ? '/v1/prop/a' : '/v1/prop/b',
        customer_id: next() % 2 === 0 ? 'cus_p1' : 'cus_p2',
      }),
    );
    await insert(events);
    const scopes: AlertScope[] = [
      { route: null, customer_id: null },
      { route: '/v1/prop/a', customer_id: null },
      { route: null, customer_id: 'cus_p2' },
      { route: '/v1/prop/b', customer_id: 'cus_p1' },
    ];
    const ends = [M, M + 1, M - 1, M + 30_000, M + MIN - 1, M - 123_457, M + 2 * MIN + 17];
    const lengths = [MIN, 2 * MIN, 5 * MIN, 7 * MIN];
    for (const scope of scopes) {
      for (const end of ends) {
        for (const length of lengths) {
          const inside = events.filter(
            (e) =>
              e.ts_ms >= end - length &&
              e.ts_ms < end &&
              (scope.route === null || e.route === scope.route) &&
              (scope.customer_id === null || e.customer_id === scope.customer_id),
          );
          const count = (p: (s: number) => boolean) => inside.filter((e) => p(e.status)).length;
          expect(
            await q.windowStats(scope, end, length, false),
            `${JSON.stringify(scope)} end=M${end - M >= 0 ? '+' : ''}${end - M} length=${length}`,
          ).toEqual({
            requests: inside.length,
            errors_5xx: count((s) => s >= 500),
            status_4xx: count((s) => s >= 400 && s < 500),
            status_429: count((s) => s === 429),
            p95_ms: 0,
            p99_ms: 0,
          });
        }
      }
    }
  });
});

describe('windowStats percentiles', () => {
  /**
   * 5 minutes ending 30 s into a minute: 96 fast requests in the whole minutes (rollups), 4
   * slow ones in one partial end (raw rows), and slower ones just outside the window. Only a
   * merge of both sources gives p95 ≈ 10 ms and p99 ≈ 1 s.
   */
  it.each([
    ['the current, still-filling minute', 3, (end: number) => end - 10_000],
    ['the oldest, partial minute', 4, (end: number) => end - 5 * MIN + 10_000],
  ])('merge the rollup minutes with %s', async (_name, hour, slowAt) => {
    const M = BASE + hour * HOUR;
    const route = `/v1/latency/${hour}`;
    const end = M + 30_000;
    await insert([
      ...Array.from({ length: 96 }, (_, i) =>
        at(end - 5 * MIN + 30_000 + i * 2500, 200, { route, latency_ms: 10 }),
      ),
      ...Array.from({ length: 4 }, (_, i) => at(slowAt(end) + i, 200, { route, latency_ms: 1000 })),
      // Just outside the window on both sides, in the same calendar minutes as its ends.
      ...Array.from({ length: 50 }, (_, i) => at(end + i, 200, { route, latency_ms: 5000 })),
      ...Array.from({ length: 50 }, (_, i) =>
        at(end - 5 * MIN - 1 - i, 200, { route, latency_ms: 5000 }),
      ),
    ]);
    for (const customer_id of [null, 'cus_a']) {
      const s = await q.windowStats({ route, customer_id }, end, 5 * MIN, true);
      expect(s.requests).toBe(100);
      expect(s.p95_ms).toBeCloseTo(10, 0);
      expect(s.p99_ms).toBeGreaterThan(900);
      expect(s.p99_ms).toBeLessThanOrEqual(1000);
    }
  });

  it('come from raw rows alone when the window holds no whole minute', async () => {
    const M = BASE + 5 * HOUR;
    const route = '/v1/latency/raw';
    const end = M + 15_000;
    await insert([
      ...Array.from({ length: 20 }, (_, i) => at(M - 40_000 + i, 200, { route, latency_ms: 700 })),
      at(end + 1000, 200, { route, latency_ms: 5000 }),
    ]);
    const s = await q.windowStats({ route, customer_id: null }, end, MIN, true);
    expect(s).toMatchObject({ requests: 20, p95_ms: 700, p99_ms: 700 });
  });
});
