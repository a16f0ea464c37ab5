import type { TimeseriesPoint } from '@gatehouse/shared';

export interface SeriesColumns {
  timestamps: number[];
  requests: number[];
  rps: number[];
  errors: number[];
  /** null where a bucket had no requests: a gap in the chart, not a fake 0. */
  errorRatePct: (number | null)[];
  p50: (number | null)[];
  p95: (number | null)[];
  p99: (number | null)[];
}

/** Turns the API's row-per-bucket points into the column arrays charts take, sorted by time. */
export function toColumns(
  points: readonly TimeseriesPoint[],
  bucketSeconds: number,
): SeriesColumns {
  const sorted = [...points].sort((a, b) => a.ts - b.ts);
  const per = bucketSeconds > 0 ? bucketSeconds : 60;
  const when = (p: TimeseriesPoint, v: number) => (p.requests > 0 ? v : null);
  return {
    timestamps: sorted.map((p) => p.ts),
    requests: sorted.map((p) => p.requests),
    rps: sorted.map((p) => p.requests / per),
    errors: sorted.map((p) => p.errors),
    errorRatePct: sorted.map((p) => when(p, p.error_rate * 100)),
    p50: sorted.map((p) => when(p, p.p50_ms)),
    p95: sorted.map((p) => when(p, p.p95_ms)),
    p99: sorted.map((p) => when(p, p.p99_ms)),
  };
}
