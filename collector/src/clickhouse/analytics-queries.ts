/**
 * The query API's reads, one small function each. Windows up to an hour read the raw table
 * (exact to the millisecond). Longer windows read rollups (see migrations.ts), and what bounds
 * their cost is how many quantile states they merge, so each query reads the table with the
 * fewest dimensions that still has the ones it filters or groups by (`SOURCES`), at the coarsest
 * granularity that fits:
 * - aggregates (overview, tables, status and error breakdowns): the whole hours inside the
 *   window from an hourly table, the partial first and last hour from the matching per-minute
 *   table, so the answer covers the window to the minute (both ends rounded outwards to whole
 *   minutes) and a day reads ~24 hourly buckets plus at most ~60 minute buckets;
 * - time series: one table whose granularity is at most the bucket (per minute up to a day,
 *   per hour beyond, aligned outwards to it).
 * Customer tables over rollups fetch percentiles only for the rows they return (see
 * `customers`), unless sorted by a percentile.
 */
import type {
  CUSTOMER_SORT_KEYS,
  CustomerRow,
  ENDPOINT_SORT_KEYS,
  EndpointRow,
  ErrorCodeRow,
  LatencyStats,
  RequestEvent,
  StatusRow,
  TimeseriesPoint,
} from '@gatehouse/shared';
import type { ClickHouse } from './client.js';
import { dateTime, databaseIdent, ident, str, strList, uint } from './escape.js';
import { ROLLUP_TABLES } from './migrations.js';
import { fromRow, type RequestRow } from './requests-store.js';

/** Windows longer than this read a rollup. */
export const RAW_WINDOW_MAX_MS = 60 * 60 * 1000;
/** Request search reads the newest slice of this length first, then slices 4× longer. */
const SEARCH_FIRST_SLICE_MS = 5 * 60_000;
/** Windows longer than this read hourly rollups where one fits. */
export const MINUTE_WINDOW_MAX_MS = 24 * 60 * 60 * 1000;

/** Which dimensions a query touches (filters or grouping); picks the rollup that has them. */
interface Needs {
  customer?: boolean;
  route?: boolean;
  status?: boolean;
}

type Dim = keyof Needs;

/**
 * Rollups by granularity, smallest first within one: the first holding every needed dimension
 * serves. `route` covers route and method; `status` covers status and error code.
 */
const SOURCES: readonly { table: string; seconds: 60 | 3600; dims: readonly Dim[] }[] = [
  { table: 'requests_1m_total', seconds: 60, dims: [] },
  { table: 'requests_1m_by_customer', seconds: 60, dims: ['customer'] },
  { table: 'requests_1m_routes', seconds: 60, dims: ['route', 'status'] },
  { table: 'requests_1m', seconds: 60, dims: ['customer', 'route', 'status'] },
  { table: 'requests_1h_total', seconds: 3600, dims: [] },
  { table: 'requests_1h_endpoints', seconds: 3600, dims: ['route'] },
  { table: 'requests_1h_by_customer', seconds: 3600, dims: ['customer'] },
  { table: 'requests_1h_route_customers', seconds: 3600, dims: ['customer', 'route'] },
  { table: 'requests_1h_routes', seconds: 3600, dims: ['route', 'status'] },
];

export interface Window {
  fromMs: number;
  toMs: number;
}

export interface Filters {
  route?: string | undefined;
  method?: string | undefined;
  customer_id?: string | undefined;
  status_class?: number | undefined;
}

export type EndpointSort = (typeof ENDPOINT_SORT_KEYS)[number];
export type CustomerSort = (typeof CUSTOMER_SORT_KEYS)[number];
export type SortOrder = 'asc' | 'desc';

/** Sort keys map to fixed SQL; user input only ever selects an entry. */
const SORT_SQL: Record<EndpointSort | CustomerSort, string> = {
  requests: 'requests',
  errors: 'errors',
  error_rate: 'if(requests = 0, 0, errors / requests)',
  p50_ms: 'q[1]',
  p95_ms: 'q[2]',
  p99_ms: 'q[3]',
  bytes_out: 'bytes_out',
  rate_limited: 'rate_limited',
  route: ident('route', ['route']),
  customer_id: ident('customer_id', ['customer_id']),
};

interface AggRow {
  requests: number;
  errors: number;
  rate_limited: number;
  bytes_in: number;
  bytes_out: number;
  q: (number | null)[];
}

const RAW_AGG = `count() AS requests, countIf(status >= 400) AS errors,
  sum(rate_limited) AS rate_limited, sum(bytes_in) AS bytes_in, sum(bytes_out) AS bytes_out,
  quantilesTDigest(0.5, 0.95, 0.99)(latency_ms) AS q`;
/** ROLLUP_AGG without the percentiles. */
const COUNTERS_AGG = `countMerge(requests_state) AS requests, sumMerge(errors_state) AS errors,
  sumMerge(rate_limited_state) AS rate_limited, sumMerge(bytes_in_state) AS bytes_in,
  sumMerge(bytes_out_state) AS bytes_out`;
const ROLLUP_AGG = `countMerge(requests_state) AS requests, sumMerge(errors_state) AS errors,
  sumMerge(rate_limited_state) AS rate_limited, sumMerge(bytes_in_state) AS bytes_in,
  sumMerge(bytes_out_state) AS bytes_out,
  quantilesTDigestMerge(0.5, 0.95, 0.99)(latency_state) AS q`;

function round(n: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function quantile(q: (number | null)[] | undefined, i: number): number {
  const v = Number(q?.[i] ?? 0);
  return Number.isFinite(v) ? round(v) : 0;
}

export function toStats(r: AggRow): LatencyStats {
  const requests = Number(r.requests);
  const errors = Number(r.errors);
  return {
    requests,
    errors,
    error_rate: requests === 0 ? 0 : round(errors / requests, 6),
    p50_ms: requests === 0 ? 0 : quantile(r.q, 0),
    p95_ms: requests === 0 ? 0 : quantile(r.q, 1),
    p99_ms: requests === 0 ? 0 : quantile(r.q, 2),
  };
}

export function usesRollup(w: Window): boolean {
  return w.toMs - w.fromMs > RAW_WINDOW_MAX_MS;
}

const BUCKETS_S = [10, 30, 60, 300, 900, 1800, 3600, 10800, 21600, 43200, 86400];
const MAX_POINTS = 360;

/** Smallest bucket that keeps the series under MAX_POINTS and is no finer than the source. */
export function bucketSeconds(w: Window, minSeconds = 1): number {
  const span = (w.toMs - w.fromMs) / 1000;
  for (const b of BUCKETS_S) if (b >= minSeconds && span / b <= MAX_POINTS) return b;
  return BUCKETS_S[BUCKETS_S.length - 1]!;
}

function neededDims(f: Filters, needs: Needs): Dim[] {
  const dims: Dim[] = [];
  if (needs.customer || f.customer_id !== undefined) dims.push('customer');
  if (needs.route || f.route !== undefined || f.method !== undefined) dims.push('route');
  if (needs.status || f.status_class !== undefined) dims.push('status');
  return dims;
}

function smallest(seconds: 60 | 3600, dims: Dim[]): string | undefined {
  return SOURCES.find((s) => s.seconds === seconds && dims.every((d) => s.dims.includes(d)))?.table;
}

/**
 * One customer by route or status (a customer's endpoints, usage, status codes) has no hourly
 * rollup, and in requests_1m (minute first in its key) a customer filter skips almost nothing:
 * with many customers that table is nearly as large as the raw one. The raw table's key
 * (hour, customer_id, ...) finds one customer's rows of each hour directly, so such queries read
 * raw rows while the window is still inside raw retention (`rawSince`).
 */
function rawServes(w: Window, f: Filters, needs: Needs, rawSince: number): boolean {
  const dims = neededDims(f, needs);
  return f.customer_id !== undefined && dims.some((d) => d !== 'customer') && w.fromMs >= rawSince;
}

/** One table over a half-open time range [fromMs, toMs) aligned to its granularity. */
export interface SourcePart {
  table: string;
  seconds: number;
  fromMs: number;
  toMs: number;
}

/**
 * The table serving a time series over a window, and its granularity: per minute up to a day,
 * per hour beyond (where an hourly table has the dimensions).
 */
export function pickSource(
  w: Window,
  f: Filters,
  needs: Needs = {},
  rawSince = Number.POSITIVE_INFINITY,
): { table: string; seconds: number } {
  if (!usesRollup(w) || rawServes(w, f, needs, rawSince)) return { table: 'requests', seconds: 1 };
  const dims = neededDims(f, needs);
  const long = w.toMs - w.fromMs > MINUTE_WINDOW_MAX_MS;
  const hourly = long ? smallest(3600, dims) : undefined;
  if (hourly) return { table: hourly, seconds: 3600 };
  return { table: smallest(60, dims) ?? 'requests_1m', seconds: 60 };
}

/**
 * The tables serving an aggregate over a window: whole hours from the hourly table, the
 * partial hours at either end (rounded outwards to minutes) from the per-minute one.
 */
export function planSources(
  w: Window,
  f: Filters,
  needs: Needs = {},
  rawSince = Number.POSITIVE_INFINITY,
): SourcePart[] {
  if (!usesRollup(w) || rawServes(w, f, needs, rawSince))
    return [{ table: 'requests', seconds: 1, fromMs: w.fromMs, toMs: w.toMs }];
  const dims = neededDims(f, needs);
  const minute = smallest(60, dims) ?? 'requests_1m';
  const from = Math.floor(w.fromMs / 60_000) * 60_000;
  const to = Math.ceil(w.toMs / 60_000) * 60_000;
  const hourly = smallest(3600, dims);
  const hFrom = Math.ceil(from / 3_600_000) * 3_600_000;
  const hTo = Math.floor(to / 3_600_000) * 3_600_000;
  if (!hourly || hTo <= hFrom) return [{ table: minute, seconds: 60, fromMs: from, toMs: to }];
  const parts: SourcePart[] = [];
  if (from < hFrom) parts.push({ table: minute, seconds: 60, fromMs: from, toMs: hFrom });
  parts.push({ table: hourly, seconds: 3600, fromMs: hFrom, toMs: hTo });
  if (hTo < to) parts.push({ table: minute, seconds: 60, fromMs: hTo, toMs: to });
  return parts;
}

export interface AnalyticsQueries {
  overview(w: Window, f: Filters): Promise<LatencyStats & { rate_limited: number }>;
  endpoints(
    w: Window,
    f: Filters,
    sort: EndpointSort,
    order: SortOrder,
    limit: number,
  ): Promise<EndpointRow[]>;
  customers(
    w: Window,
    f: Filters,
    sort: CustomerSort,
    order: SortOrder,
    limit: number,
  ): Promise<CustomerRow[]>;
  timeseries(w: Window, f: Filters): Promise<{ bucket_seconds: number; points: TimeseriesPoint[] }>;
  statusCodes(w: Window, f: Filters): Promise<StatusRow[]>;
  errorCodes(w: Window, f: Filters, limit: number): Promise<ErrorCodeRow[]>;
  usage(
    w: Window,
    customerId: string,
  ): Promise<{
    totals: LatencyStats & { rate_limited: number; bytes_in: number; bytes_out: number };
    endpoints: EndpointRow[];
  }>;
  searchRequests(search: RequestSearch): Promise<RequestEvent[]>;
  getRequest(requestId: string): Promise<RequestEvent | null>;
}

export interface RequestSearch {
  window: Window;
  request_id?: string | undefined;
  customer_id?: string | undefined;
  route?: string | undefined;
  method?: string | undefined;
  status?: number | undefined;
  /** Keyset cursor: rows strictly older than (ts_ms, request_id). */
  before?: { ts_ms: number; request_id: string } | undefined;
  limit: number;
}

export interface AnalyticsOptions {
  /** Raw retention (RETENTION_RAW_DAYS): lets one customer's route/status queries read raw rows. */
  rawRetentionDays?: number | undefined;
}

export function createAnalyticsQueries(
  ch: ClickHouse,
  database: string,
  options: AnalyticsOptions = {},
): AnalyticsQueries {
  /** Raw rows are complete from here on: a day short of retention, which drops whole days. */
  const rawSince = () =>
    options.rawRetentionDays === undefined
      ? Number.POSITIVE_INFINITY
      : Date.now() - (options.rawRetentionDays - 1) * 86_400_000;
  const db = databaseIdent(database);
  const raw = `${db}.requests`;
  const TABLES = ['requests', ...ROLLUP_TABLES];

  const STATES = [
    'requests_state',
    'errors_state',
    'rate_limited_state',
    'bytes_in_state',
    'bytes_out_state',
    'latency_state',
  ];

  /** The filter conditions (plus `extra`, fixed SQL) on one table over [fromMs, toMs). */
  function conditions(part: SourcePart, f: Filters, extra?: string): string {
    const cond: string[] = [];
    if (part.table !== 'requests') {
      cond.push(`minute >= ${dateTime(part.fromMs)}`, `minute < ${dateTime(part.toMs)}`);
    } else {
      cond.push(
        `ts >= ${dateTime(part.fromMs)}`,
        `ts <= ${dateTime(part.toMs)}`,
        `ts_ms >= ${uint(part.fromMs)}`,
        `ts_ms < ${uint(part.toMs)}`,
      );
    }
    if (f.route !== undefined) cond.push(`route = ${str(f.route)}`);
    if (f.method !== undefined) cond.push(`method = ${str(f.method)}`);
    if (f.customer_id !== undefined) cond.push(`customer_id = ${str(f.customer_id)}`);
    if (f.status_class !== undefined) cond.push(`intDiv(status, 100) = ${uint(f.status_class)}`);
    if (extra) cond.push(extra);
    return cond.join(' AND ');
  }

  /**
   * `FROM` target (with its WHERE) for an aggregate over a window: one table, or the union of
   * the hourly and per-minute parts (`planSources`) exposing `columns` (fixed SQL names: the
   * grouping columns and the states the query merges; only these are read).
   */
  function source(
    w: Window,
    f: Filters,
    needs: Needs = {},
    columns: string[] = STATES,
    extra?: string,
  ): { from: string; agg: string; count: string; rolled: boolean } {
    const parts = planSources(w, f, needs, rawSince());
    const rolled = parts[0]!.table !== 'requests';
    const agg = rolled ? ROLLUP_AGG : RAW_AGG;
    const count = rolled ? 'countMerge(requests_state)' : 'count()';
    const table = (p: SourcePart) => `${db}.${ident(p.table, TABLES)}`;
    if (parts.length === 1) {
      const p = parts[0]!;
      return { from: `${table(p)} WHERE ${conditions(p, f, extra)}`, agg, count, rolled };
    }
    const select = columns.join(', ');
    const union = parts
      .map((p) => `SELECT ${select} FROM ${table(p)} WHERE ${conditions(p, f, extra)}`)
      .join(' UNION ALL ');
    return { from: `(${union})`, agg, count, rolled };
  }

  /** A time series' single table, aligned outwards to its granularity. */
  function seriesSource(
    w: Window,
    f: Filters,
  ): { from: string; agg: string; timeCol: string; seconds: number } {
    const picked = pickSource(w, f, {}, rawSince());
    const rolled = picked.table !== 'requests';
    const g = picked.seconds * 1000;
    const part: SourcePart = rolled
      ? { ...picked, fromMs: Math.floor(w.fromMs / g) * g, toMs: Math.ceil(w.toMs / g) * g }
      : { ...picked, fromMs: w.fromMs, toMs: w.toMs };
    return {
      from: `${db}.${ident(part.table, TABLES)} WHERE ${conditions(part, f)}`,
      agg: rolled ? ROLLUP_AGG : RAW_AGG,
      timeCol: rolled ? 'minute' : 'ts',
      seconds: picked.seconds,
    };
  }

  const direction = (o: SortOrder) => (o === 'asc' ? 'ASC' : 'DESC');

  return {
    async overview(w, f) {
      const s = source(w, f);
      const [row] = await ch.query<AggRow>(`SELECT ${s.agg} FROM ${s.from}`);
      const r = row ?? {
        requests: 0,
        errors: 0,
        rate_limited: 0,
        bytes_in: 0,
        bytes_out: 0,
        q: [],
      };
      return { ...toStats(r), rate_limited: Number(r.rate_limited) };
    },

    async endpoints(w, f, sort, order, limit) {
      const s = source(w, f, { route: true }, ['route', 'method', ...STATES]);
      const rows = await ch.query<AggRow & { route: string; method: string }>(
        `SELECT route, method, ${s.agg} FROM ${s.from}
         GROUP BY route, method
         ORDER BY ${SORT_SQL[sort]} ${direction(order)}, route ASC, method ASC
         LIMIT ${uint(limit)}`,
      );
      return rows.map((r) => ({
        route: r.route,
        method: r.method,
        ...toStats(r),
        bytes_out: Number(r.bytes_out),
      }));
    },

    async customers(w, f, sort, order, limit) {
      const s = source(w, f, { customer: true }, ['customer_id', ...STATES]);
      const toRow = (r: AggRow & { customer_id: string }) => ({
        customer_id: r.customer_id,
        ...toStats(r),
        rate_limited: Number(r.rate_limited),
      });
      const orderBy = `ORDER BY ${SORT_SQL[sort]} ${direction(order)}, customer_id ASC LIMIT ${uint(limit)}`;
      if (!s.rolled || sort === 'p50_ms' || sort === 'p95_ms' || sort === 'p99_ms') {
        const rows = await ch.query<AggRow & { customer_id: string }>(
          `SELECT customer_id, ${s.agg} FROM ${s.from} GROUP BY customer_id ${orderBy}`,
        );
        return rows.map(toRow);
      }
      // Merging latency states costs far more than the counters (every customer has one state
      // per bucket), so rank by the counters first and merge percentiles for the page only.
      const counters = source(w, f, { customer: true }, [
        'customer_id',
        ...STATES.filter((c) => c !== 'latency_state'),
      ]);
      const ranked = await ch.query<Omit<AggRow, 'q'> & { customer_id: string }>(
        `SELECT customer_id, ${COUNTERS_AGG} FROM ${counters.from} GROUP BY customer_id ${orderBy}`,
      );
      if (ranked.length === 0) return [];
      const page = source(
        w,
        f,
        { customer: true },
        ['customer_id', 'latency_state'],
        `customer_id IN ${strList(ranked.map((r) => r.customer_id))}`,
      );
      const latency = await ch.query<{ customer_id: string; q: (number | null)[] }>(
        `SELECT customer_id, quantilesTDigestMerge(0.5, 0.95, 0.99)(latency_state) AS q
         FROM ${page.from} GROUP BY customer_id`,
      );
      const q = new Map(latency.map((r) => [r.customer_id, r.q]));
      return ranked.map((r) => toRow({ ...r, q: q.get(r.customer_id) ?? [] }));
    },

    async timeseries(w, f) {
      const s = seriesSource(w, f);
      const bucket = bucketSeconds(w, s.seconds);
      const rows = await ch.query<AggRow & { bucket: number }>(
        `SELECT intDiv(toUInt32(${s.timeCol}), ${uint(bucket)}) * ${uint(bucket)} AS bucket, ${s.agg}
         FROM ${s.from}
         GROUP BY bucket ORDER BY bucket`,
      );
      const byBucket = new Map(rows.map((r) => [Number(r.bucket) * 1000, r]));
      // Every bucket of the window is present, empty ones as zeros, so charts need no gap logic.
      const step = bucket * 1000;
      const points: TimeseriesPoint[] = [];
      for (let t = Math.floor(w.fromMs / step) * step; t < w.toMs; t += step) {
        const r = byBucket.get(t);
        points.push({
          ts: t,
          ...(r
            ? toStats(r)
            : { requests: 0, errors: 0, error_rate: 0, p50_ms: 0, p95_ms: 0, p99_ms: 0 }),
        });
      }
      return { bucket_seconds: bucket, points };
    },

    async statusCodes(w, f) {
      const s = source(w, f, { status: true }, ['status', 'requests_state']);
      const rows = await ch.query<{ status: number; requests: number }>(
        `SELECT status, ${s.count} AS requests FROM ${s.from} GROUP BY status ORDER BY status`,
      );
      return rows.map((r) => ({ status: Number(r.status), requests: Number(r.requests) }));
    },

    async errorCodes(w, f, limit) {
      const s = source(
        w,
        f,
        { status: true },
        ['error_code', 'status', 'requests_state'],
        "error_code != ''",
      );
      const rows = await ch.query<{ error_code: string; status: number; requests: number }>(
        `SELECT error_code, status, ${s.count} AS requests FROM ${s.from}
         GROUP BY error_code, status
         ORDER BY requests DESC, error_code ASC, status ASC
         LIMIT ${uint(limit)}`,
      );
      return rows.map((r) => ({
        error_code: r.error_code,
        status: Number(r.status),
        requests: Number(r.requests),
      }));
    },

    async usage(w, customerId) {
      const f = { customer_id: customerId };
      // Same table as the per-endpoint breakdown below, so the rows add up to the totals.
      const s = source(w, f, { route: true });
      const [row] = await ch.query<AggRow>(`SELECT ${s.agg} FROM ${s.from}`);
      const r = row ?? {
        requests: 0,
        errors: 0,
        rate_limited: 0,
        bytes_in: 0,
        bytes_out: 0,
        q: [],
      };
      const endpoints = await this.endpoints(w, f, 'requests', 'desc', 100);
      return {
        totals: {
          ...toStats(r),
          rate_limited: Number(r.rate_limited),
          bytes_in: Number(r.bytes_in),
          bytes_out: Number(r.bytes_out),
        },
        endpoints,
      };
    },

    async searchRequests(q) {
      const cond: string[] = [];
      if (q.request_id !== undefined) cond.push(`request_id = ${str(q.request_id)}`);
      if (q.customer_id !== undefined) cond.push(`customer_id = ${str(q.customer_id)}`);
      if (q.route !== undefined) cond.push(`route = ${str(q.route)}`);
      if (q.method !== undefined) cond.push(`method = ${str(q.method)}`);
      if (q.status !== undefined) cond.push(`status = ${uint(q.status)}`);
      if (q.before) {
        cond.push(
          `(ts_ms < ${uint(q.before.ts_ms)} OR (ts_ms = ${uint(q.before.ts_ms)} AND request_id < ${str(q.before.request_id)}))`,
        );
      }
      // Two steps: find the page's keys reading two columns, then fetch only those rows whole
      // (18.16 has no read-in-order, so sorting full rows of a busy day would read every column).
      // The keys come from slices walking back from the newest end, each 4× the last, until the
      // page is full: a busy day's newest page is in its last minutes, and sorting the whole
      // day's keys (14M rows at 100M a week) is what made the request log slow.
      const keys: { ts_ms: number; request_id: string }[] = [];
      let hi = Math.min(q.window.toMs, q.before ? q.before.ts_ms + 1 : q.window.toMs);
      for (
        let span = SEARCH_FIRST_SLICE_MS;
        hi > q.window.fromMs && keys.length < q.limit;
        span *= 4
      ) {
        const lo = Math.max(q.window.fromMs, hi - span);
        const slice = [
          `ts >= ${dateTime(lo)}`,
          `ts <= ${dateTime(hi)}`,
          `ts_ms >= ${uint(lo)}`,
          `ts_ms < ${uint(hi)}`,
          ...cond,
        ];
        keys.push(
          ...(await ch.query<{ ts_ms: number; request_id: string }>(
            `SELECT ts_ms, request_id FROM ${raw} WHERE ${slice.join(' AND ')}
             ORDER BY ts_ms DESC, request_id DESC LIMIT ${uint(q.limit - keys.length)}`,
          )),
        );
        hi = lo;
      }
      if (keys.length === 0) return [];
      const newest = Number(keys[0]!.ts_ms);
      const oldest = Number(keys[keys.length - 1]!.ts_ms);
      const rows = await ch.query<RequestRow>(
        `SELECT * FROM ${raw}
         WHERE ts >= ${dateTime(oldest)} AND ts <= ${dateTime(newest)}
           AND ts_ms >= ${uint(oldest)} AND ts_ms <= ${uint(newest)}
           AND request_id IN ${strList(keys.map((k) => k.request_id))}`,
      );
      const byId = new Map(rows.map((r) => [r.request_id, r]));
      return keys.flatMap((k) => {
        const row = byId.get(k.request_id);
        return row ? [fromRow(row)] : [];
      });
    },

    async getRequest(requestId) {
      // Look in the last day first (where the request log's links point), then everything: a
      // lookup by id alone would otherwise read the id column of every raw partition.
      const dayAgo = Date.now() - 86_400_000;
      for (const since of [dayAgo, 0]) {
        const rows = await ch.query<RequestRow>(
          `SELECT * FROM ${raw} WHERE ts >= ${dateTime(since)} AND request_id = ${str(requestId)} LIMIT 1`,
        );
        if (rows[0]) return fromRow(rows[0]);
      }
      return null;
    },
  };
}
