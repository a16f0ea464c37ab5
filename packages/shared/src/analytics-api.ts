/**
 * Response shapes of the collector's query API (`/api/v1/...`), read by the dashboard and
 * by the gateway's `GET /v1/usage`. Time range: `range=15m|1h|24h|7d` or `from`/`to` (RFC 3339).
 */
import type { RequestEvent } from './request-event.js';

export const TIME_RANGES = ['15m', '1h', '24h', '7d'] as const;
export type TimeRange = (typeof TIME_RANGES)[number];

export interface RangeEcho {
  from: string;
  to: string;
}

export interface LatencyStats {
  requests: number;
  errors: number;
  /** errors / requests, 0..1; errors are 5xx plus gateway rejections (4xx) */
  error_rate: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
}

export interface Overview extends LatencyStats {
  range: RangeEcho;
  rps: number;
  rate_limited: number;
}

export interface EndpointRow extends LatencyStats {
  route: string;
  method: string;
  bytes_out: number;
}

export interface CustomerRow extends LatencyStats {
  customer_id: string;
  rate_limited: number;
}

export interface TimeseriesPoint extends LatencyStats {
  /** bucket start, epoch ms */
  ts: number;
}

export interface Timeseries {
  range: RangeEcho;
  bucket_seconds: number;
  points: TimeseriesPoint[];
}

export interface StatusRow {
  status: number;
  requests: number;
}

export interface ErrorCodeRow {
  error_code: string;
  status: number;
  requests: number;
}

export interface Page<T> {
  items: T[];
  has_more: boolean;
  next_cursor: string | null;
}

export type RequestLogPage = Page<RequestEvent>;

/** `GET /api/v1/endpoints`, `/customers`, `/status-codes`, `/errors`: rows for the range. */
export interface RangeList<T> {
  range: RangeEcho;
  items: T[];
}
export type EndpointsResponse = RangeList<EndpointRow>;
export type CustomersResponse = RangeList<CustomerRow>;
export type StatusCodesResponse = RangeList<StatusRow>;
export type ErrorCodesResponse = RangeList<ErrorCodeRow>;

/** Sort keys accepted by `/api/v1/endpoints?sort=` and `/api/v1/customers?sort=` (`order=asc|desc`). */
export const ENDPOINT_SORT_KEYS = [
  'requests',
  'errors',
  'error_rate',
  'p50_ms',
  'p95_ms',
  'p99_ms',
  'bytes_out',
  'route',
] as const;
export const CUSTOMER_SORT_KEYS = [
  'requests',
  'errors',
  'error_rate',
  'p50_ms',
  'p95_ms',
  'p99_ms',
  'rate_limited',
  'customer_id',
] as const;

/** `GET /api/v1/usage?customer_id=` (operator token): one customer's own usage for the range. */
export interface UsageReport extends LatencyStats {
  customer_id: string;
  range: RangeEcho;
  rate_limited: number;
  bytes_in: number;
  bytes_out: number;
  endpoints: EndpointRow[];
}

/** `POST /v1/events` (collector ingest) success body. */
export interface IngestResult {
  accepted: number;
  /** Events whose request_id was already stored (a retried batch): acknowledged, not stored again. */
  duplicates: number;
}

/** `POST /v1/events` 422 `details`: why each refused line was refused (1-based line numbers). */
export interface IngestRejection {
  invalid_rows: number;
  rows: { line: number; field?: string; message: string }[];
  /** True when more lines were invalid than listed. */
  truncated: boolean;
}
