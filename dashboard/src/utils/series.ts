import type { TimeseriesPoint } from '@gatehouse/shared';

export interface SeriesColumns {
  timestamps: number[];
  requests: number[];
  rps: number[];
  errors: number[];
  errorRatePct: number[];
  p50: number[];
  p95: number[];
  p99: number[];
}

/** Turns the API's row-per-bucket points into the column arrays charts take, sorted by time. */
export function toColumns(
  points: readonly TimeseriesPoint[],
  bucketSeconds: number,
): SeriesColumns {
  const sorted = [...points].sort((a, b) => a.ts - b.ts);
  const per = bucketSeconds > 0 ? bucketSeconds : 60;
  return {
    timestamps: sorted.map((p) => p.ts),
    requests: sorted.map((p) => p.requests),
    rps: sorted.map((p) => p.requests / per),
    errors: sorted.map((p) => p.errors),
    errorRatePct: sorted.map((p) => p.error_rate * 100),
    p50: sorted.map((p) => p.p50_ms),
    p95: sorted.map((p) => p.p95_ms),
    p99: sorted.map((p) => p.p99_ms),
  };
}
