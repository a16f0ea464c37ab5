/**
 * GCRA (generic cell rate algorithm), chosen over a sliding window because:
 * - it stores ONE number per key (the "theoretical arrival time"), so the Redis script reads
 *   and writes one key per limit and the memory store one map entry, with no per-request log;
 * - it is exact and smooth: requests are spaced at `emission = window / limit` with a burst
 *   tolerance, so there is no window edge where a client can send 2x the limit (fixed window)
 *   and no approximation (sliding window counter);
 * - "remaining", "retry after" and "reset" fall out of the same arithmetic for the headers.
 * A denied request does not move the TAT (it is not counted), so hammering while limited
 * does not push the next allowed request further away.
 */
export interface GcraLimit {
  key: string;
  /** ms between requests at the sustained rate (60000 / requests_per_minute). */
  emissionMs: number;
  /** How many requests may arrive at once when the bucket is full. */
  burst: number;
}

export interface GcraResult {
  allowed: boolean;
  /** Requests still allowed right now (after this one, if allowed). */
  remaining: number;
  /** ms until this request would be allowed (0 when allowed). */
  retryAfterMs: number;
  /** ms until the bucket is full again. */
  resetMs: number;
  /** New TAT to store when allowed. */
  newTat: number;
}

/** One limit, pure: `tat` is the stored TAT (or undefined), `now` the store's clock. */
export function gcra(tat: number | undefined, now: number, limit: GcraLimit): GcraResult {
  const base = tat === undefined || tat < now ? now : tat;
  const newTat = base + limit.emissionMs;
  const allowAt = newTat - limit.burst * limit.emissionMs;
  if (now < allowAt) {
    return {
      allowed: false,
      remaining: 0,
      retryAfterMs: allowAt - now,
      resetMs: base - now,
      newTat: base,
    };
  }
  return {
    allowed: true,
    remaining: Math.floor((now - allowAt) / limit.emissionMs),
    retryAfterMs: 0,
    resetMs: newTat - now,
    newTat,
  };
}
