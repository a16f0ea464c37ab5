export interface BackoffOptions {
  /** Delay after the first failed attempt. */
  baseMs: number;
  /** Upper bound for any delay. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, maxMs: 10 * 60_000 };

/**
 * Exponential backoff with "equal jitter": after attempt n the delay lies in
 * [d/2, d] where d = min(maxMs, baseMs · 2^(n-1)). The random half spreads retries of
 * jobs that failed together (a receiver that was down) so they do not return together;
 * the fixed half keeps the growth a caller can rely on.
 */
export function backoffMs(
  attempt: number,
  opts: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const n = Math.max(1, Math.trunc(attempt));
  const d = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(n - 1, 30));
  return Math.round(d / 2 + random() * (d / 2));
}
