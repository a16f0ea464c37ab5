/**
 * The alert evaluator's reads: request counts by status and latency percentiles for one scope
 * over the trailing window [endMs − windowMs, endMs), exact to the millisecond (half-open like
 * the query API's windows: a request exactly at endMs counts from the next evaluation on).
 *
 * The window slides rather than being made of calendar-minute buckets: with buckets a `1m`
 * window restarted nearly empty at every minute boundary, so a pending rule fell back to ok and
 * a firing one counted as recovered for lack of requests in the new minute.
 *
 * Whole minutes inside the window come from the per-minute rollups (`requests_1m_routes`
 * without a customer in scope, `requests_1m` with one), which keeps long windows cheap (burn
 * rates look back 6 h). The partial minutes at either end, the oldest one and the one still
 * filling, come from the raw `requests` table; its `ts` condition lets the key (hour first)
 * skip every other hour. Each query combines both sources in one statement: counts add up, and
 * percentiles merge the rollups' t-digest states with states built from the raw rows by the
 * same function and levels as `latency_state` in migrations.ts (UNION ALL needs the same state
 * type, and only states of one function merge).
 */
import type { ClickHouse } from './client.js';
import { databaseIdent, dateTime, ident, str, uint } from './escape.js';

export interface AlertScope {
  route: string | null;
  customer_id: string | null;
}

export interface WindowStats {
  requests: number;
  errors_5xx: number;
  status_4xx: number;
  status_429: number;
  /** 0 without requests, or when latency was not asked for. */
  p95_ms: number;
  p99_ms: number;
}

export interface AlertQueries {
  windowStats(
    scope: AlertScope,
    endMs: number,
    windowMs: number,
    withLatency: boolean,
  ): Promise<WindowStats>;
}

const MINUTE = 60_000;
const TABLES = ['requests', 'requests_1m', 'requests_1m_routes'];
/** The levels of `latency_state` (migrations.ts): raw rows must build the same state type. */
const LEVELS = '0.5, 0.95, 0.99';

/**
 * The whole minutes [lo, hi) inside [startMs, endMs), which the rollups serve; raw rows serve
 * [startMs, lo) and [hi, endMs). Without a whole minute inside, lo = hi = endMs: all raw.
 */
export function splitWindow(startMs: number, endMs: number): { lo: number; hi: number } {
  const lo = Math.ceil(startMs / MINUTE) * MINUTE;
  const hi = Math.floor(endMs / MINUTE) * MINUTE;
  return hi > lo ? { lo, hi } : { lo: endMs, hi: endMs };
}

/** Raw rows in [fromMs, toMs): `ts` (whole seconds, widened) for the key, `ts_ms` exact. */
function rawRange(fromMs: number, toMs: number): string {
  return `(ts >= ${dateTime(fromMs)} AND ts <= ${dateTime(toMs)} AND ts_ms >= ${uint(fromMs)} AND ts_ms < ${uint(toMs)})`;
}

export function createAlertQueries(ch: ClickHouse, database: string): AlertQueries {
  const db = databaseIdent(database);
  const raw = `${db}.${ident('requests', TABLES)}`;
  return {
    async windowStats(scope, endMs, windowMs, withLatency) {
      const rollup = `${db}.${ident(
        scope.customer_id === null ? 'requests_1m_routes' : 'requests_1m',
        TABLES,
      )}`;
      const startMs = endMs - windowMs;
      const { lo, hi } = splitWindow(startMs, endMs);
      const inScope: string[] = [];
      if (scope.route !== null) inScope.push(`route = ${str(scope.route)}`);
      if (scope.customer_id !== null) inScope.push(`customer_id = ${str(scope.customer_id)}`);
      const minutes = [`minute >= ${dateTime(lo)}`, `minute < ${dateTime(hi)}`, ...inScope];
      const edges = [`(${rawRange(startMs, lo)} OR ${rawRange(hi, endMs)})`, ...inScope];
      const fromRollup = `${rollup} WHERE ${minutes.join(' AND ')}`;
      const fromRaw = `${raw} WHERE ${edges.join(' AND ')}`;

      const rows = await ch.query<{ status: number; requests: number }>(
        `SELECT status, sum(n) AS requests FROM (
           SELECT status, countMerge(requests_state) AS n FROM ${fromRollup} GROUP BY status
           UNION ALL
           SELECT status, count() AS n FROM ${fromRaw} GROUP BY status
         ) GROUP BY status`,
      );
      const stats: WindowStats = {
        requests: 0,
        errors_5xx: 0,
        status_4xx: 0,
        status_429: 0,
        p95_ms: 0,
        p99_ms: 0,
      };
      for (const r of rows) {
        const status = Number(r.status);
        const n = Number(r.requests);
        stats.requests += n;
        if (status >= 500) stats.errors_5xx += n;
        else if (status >= 400) stats.status_4xx += n;
        if (status === 429) stats.status_429 += n;
      }
      if (withLatency && stats.requests > 0) {
        const [q] = await ch.query<{ q: (number | null)[] }>(
          `SELECT quantilesTDigestMerge(${LEVELS})(s) AS q FROM (
             SELECT latency_state AS s FROM ${fromRollup}
             UNION ALL
             SELECT quantilesTDigestState(${LEVELS})(latency_ms) AS s FROM ${fromRaw}
           )`,
        );
        const pick = (i: number) => {
          const v = Number(q?.q?.[i] ?? 0);
          return Number.isFinite(v) ? Math.round(v * 1000) / 1000 : 0;
        };
        stats.p95_ms = pick(1);
        stats.p99_ms = pick(2);
      }
      return stats;
    },
  };
}
