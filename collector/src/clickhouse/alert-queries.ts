/**
 * The alert evaluator's reads: request counts by status and latency percentiles for one scope
 * over a trailing window, from the per-minute rollups (`requests_1m_routes` without a customer
 * in scope, `requests_1m` with one). A window of N minutes covers the N minute buckets ending
 * with the one containing `endMs` (the newest bucket is still filling).
 */
import type { ClickHouse } from './client.js';
import { databaseIdent, dateTime, ident, str } from './escape.js';

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
const TABLES = ['requests_1m', 'requests_1m_routes'];

export function createAlertQueries(ch: ClickHouse, database: string): AlertQueries {
  const db = databaseIdent(database);
  return {
    async windowStats(scope, endMs, windowMs, withLatency) {
      const table = ident(
        scope.customer_id === null ? 'requests_1m_routes' : 'requests_1m',
        TABLES,
      );
      const last = Math.floor(endMs / MINUTE) * MINUTE;
      const first = last - Math.max(MINUTE, Math.ceil(windowMs / MINUTE) * MINUTE) + MINUTE;
      const cond = [`minute >= ${dateTime(first)}`, `minute <= ${dateTime(last)}`];
      if (scope.route !== null) cond.push(`route = ${str(scope.route)}`);
      if (scope.customer_id !== null) cond.push(`customer_id = ${str(scope.customer_id)}`);
      const where = `${db}.${table} WHERE ${cond.join(' AND ')}`;
      const rows = await ch.query<{ status: number; n: number }>(
        `SELECT status, countMerge(requests_state) AS n FROM ${where} GROUP BY status`,
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
        const n = Number(r.n);
        stats.requests += n;
        if (status >= 500) stats.errors_5xx += n;
        else if (status >= 400) stats.status_4xx += n;
        if (status === 429) stats.status_429 += n;
      }
      if (withLatency && stats.requests > 0) {
        const [q] = await ch.query<{ q: (number | null)[] }>(
          `SELECT quantilesTDigestMerge(0.5, 0.95, 0.99)(latency_state) AS q FROM ${where}`,
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
