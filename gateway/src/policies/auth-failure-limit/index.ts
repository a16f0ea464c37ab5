import { ApiError } from '@gatehouse/shared';
import { GatewayErrors } from '../../errors.js';
import type { Policy } from '../chain.js';
import { gcra } from '../rate-limit/gcra.js';
import { type AuthFailureLimitOptions, AuthFailureLimitOptionsSchema } from './schema.js';

/**
 * Slows down key guessing: each client IP may fail authentication `burst` times at once and
 * `requests_per_minute` times per minute after that; beyond it every request from that IP
 * gets 429 `too_many_auth_failures` before its credentials are even looked at. Per process
 * on purpose: it is a brake on brute force, not an accounting limit, and must not depend on
 * Redis being up. Runs before `auth`; `auth` reports failures through `ctx.onAuthFailure`.
 */
export function authFailureLimit(
  options: AuthFailureLimitOptions = {},
  deps: { now?: () => number } = {},
): Policy & { size(): number } {
  const opts = AuthFailureLimitOptionsSchema.parse(options);
  const now = deps.now ?? Date.now;
  const limit = { key: '', emissionMs: 60_000 / opts.requests_per_minute, burst: opts.burst };
  const tats = new Map<string, number>();
  let lastSweep = now();

  function blockedFor(ip: string, t: number): number {
    const tat = tats.get(ip);
    if (tat === undefined) return 0;
    return gcra(tat, t, limit).retryAfterMs;
  }

  const policy = function authFailureLimitPolicy(ctx: Parameters<Policy>[0]) {
    if (ctx.route?.auth === 'public') return undefined;
    const t = now();
    if (t - lastSweep > 60_000) {
      for (const [k, v] of tats) if (v < t) tats.delete(k);
      lastSweep = t;
    }
    const ip = ctx.clientIp;
    const wait = blockedFor(ip, t);
    if (wait > 0) {
      return new ApiError(GatewayErrors.too_many_auth_failures, {
        headers: { 'retry-after': String(Math.max(1, Math.ceil(wait / 1000))) },
      });
    }
    ctx.onAuthFailure = recordFailure;
    return undefined;
  } as Policy & { size(): number };

  function recordFailure(ctx: Parameters<Policy>[0]): void {
    const r = gcra(tats.get(ctx.clientIp), now(), limit);
    tats.set(ctx.clientIp, r.newTat);
  }
  policy.size = () => tats.size;
  return policy;
}
