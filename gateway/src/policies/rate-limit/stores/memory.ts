import { gcra } from '../gcra.js';
import type { ConsumeRequest, Decision, RateLimitStore } from './types.js';

/**
 * Per-process limits: the default for one gateway process, and the fallback when Redis is
 * unreachable (bounded local limits rather than none). Entries whose TAT is in the past
 * carry no information and are swept so the map stays bounded by active keys.
 */
export function createMemoryStore(
  opts: { now?: () => number; sweepMs?: number } = {},
): RateLimitStore & {
  size(): number;
} {
  const now = opts.now ?? Date.now;
  const tats = new Map<string, number>();
  const quotas = new Map<string, { count: number; until: number }>();
  const sweep = setInterval(() => {
    const t = now();
    for (const [k, v] of tats) if (v < t) tats.delete(k);
    for (const [k, v] of quotas) if (v.until < t) quotas.delete(k);
  }, opts.sweepMs ?? 30_000);
  sweep.unref();

  return {
    kind: 'memory',
    size: () => tats.size,
    consume(request: ConsumeRequest): Decision {
      const t = now();
      let allowed = true;
      let remaining = Number.POSITIVE_INFINITY;
      let retryAfterMs = 0;
      let resetMs = 0;
      const newTats: number[] = [];
      for (const limit of request.limits) {
        const r = gcra(tats.get(limit.key), t, limit);
        if (!r.allowed) allowed = false;
        remaining = Math.min(remaining, r.remaining);
        retryAfterMs = Math.max(retryAfterMs, r.retryAfterMs);
        resetMs = Math.max(resetMs, r.resetMs);
        newTats.push(r.newTat);
      }
      let quotaExceeded = false;
      const q = request.quota;
      let entry: { count: number; until: number } | undefined;
      if (q) {
        entry = quotas.get(q.key);
        if (!entry || entry.until < t) entry = { count: 0, until: t + q.windowMs };
        if (entry.count >= q.limit) {
          quotaExceeded = true;
          if (allowed) retryAfterMs = Math.max(retryAfterMs, entry.until - t);
          allowed = false;
        }
      }
      if (allowed) {
        for (let i = 0; i < request.limits.length; i++)
          tats.set(request.limits[i]!.key, newTats[i]!);
        if (q && entry) {
          entry.count++;
          quotas.set(q.key, entry);
          remaining = Math.min(remaining, q.limit - entry.count);
        }
      } else {
        remaining = 0;
      }
      return {
        allowed,
        remaining: Number.isFinite(remaining) ? remaining : 0,
        retryAfterMs,
        resetMs,
        quotaExceeded,
      };
    },
    async close() {
      clearInterval(sweep);
    },
  };
}
