// Pure statistics for benchmark rounds: medians with the spread, percentiles, ratios.

/** Median with the observed range, so a reader sees how noisy the rounds were. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new RangeError('spread of an empty list');
  return {
    median: median(values),
    min: Math.min(...values),
    max: Math.max(...values),
    n: values.length,
  };
}

/**
 * Nearest-rank percentile of an ascending-sorted array (p in 0..100).
 * Nearest rank never interpolates, so p99 is a latency that some request really had.
 */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of an empty list');
  if (p <= 0) return sorted[0]!;
  if (p >= 100) return sorted[sorted.length - 1]!;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.max(0, rank - 1)]!;
}

/** `value / reference`, or null when the reference is missing or zero. */
export function ratio(value: number | null | undefined, reference: number | null | undefined) {
  if (value == null || reference == null || reference === 0) return null;
  return value / reference;
}

/** `0.734` → `0.73×`; null → `n/a`. */
export function formatRatio(r: number | null): string {
  if (r == null || !Number.isFinite(r)) return 'n/a';
  return `${r.toFixed(2)}×`;
}

/** Requests per second for humans: 31234 → `31.2k`, 812 → `812`. */
export function formatRps(rps: number): string {
  if (rps >= 1000) return `${(rps / 1000).toFixed(1)}k`;
  return rps.toFixed(0);
}

/** Milliseconds with precision that suits the magnitude. */
export function formatMs(ms: number): string {
  if (ms < 10) return ms.toFixed(2);
  if (ms < 100) return ms.toFixed(1);
  return ms.toFixed(0);
}

/** `median (min–max)` using a formatter, e.g. `31.2k (29.8k–33.0k)`; one round shows only the value. */
export function formatSpread(s: Spread, fmt: (n: number) => string): string {
  if (s.n === 1 || s.min === s.max) return fmt(s.median);
  return `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
}

/**
 * `4.9 s: 66.7 ms (sent ≤ 0.3 ms late), …`: the `n` slowest 100 ms slices of a fixed-rate run, by
 * when they began, with how late the loader sent that slice's requests at worst.
 */
export function worstSlices(
  sliceMaxMs: readonly number[],
  n: number,
  sliceSendLateMs?: readonly number[],
): string {
  return sliceMaxMs
    .map((ms, i) => ({ ms, i }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, n)
    .map(({ ms, i }) => {
      const late = sliceSendLateMs?.[i];
      return `${(i / 10).toFixed(1)} s: ${formatMs(ms)} ms${late === undefined ? '' : ` (sent ≤ ${formatMs(late)} ms late)`}`;
    })
    .join(', ');
}
