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
