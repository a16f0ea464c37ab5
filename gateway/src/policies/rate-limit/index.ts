import { ApiError } from '@gatehouse/shared';
import { GatewayErrors } from '../../errors.js';
import type { RequestContext } from '../../listener/context.js';
import type { Policy, PolicyResult } from '../chain.js';
import type { GcraLimit } from './gcra.js';
import { type RateLimitOptions, RateLimitOptionsSchema } from './schema.js';
import { createMemoryStore } from './stores/memory.js';
import type { ConsumeRequest, Decision, RateLimitStore } from './stores/types.js';

export interface RateLimitDeps {
  /** The shared store (Redis) or the memory store. */
  store: RateLimitStore;
  /** Called on every store failure (log + metric); the policy never throws it. */
  onStoreError?: (error: unknown) => void;
  onRejected?: (reason: 'rate' | 'quota') => void;
  now?: () => number;
}

const DAY_MS = 86_400_000;

/**
 * Per-customer limits (all of a customer's keys share one bucket), from the plan:
 * requests per minute with a burst, optional requests per second, optional daily quota.
 * A route with `rateLimit` has its own bucket per customer with the route's numbers.
 * Public routes are limited per client IP. Every response that passes carries
 * `RateLimit-Policy` + `RateLimit` (IETF httpapi draft) and `X-RateLimit-*`; over the limit
 * → 429 `rate_limited` (or `quota_exceeded`) with `Retry-After`, never proxied.
 */
export function rateLimit(deps: RateLimitDeps, options: RateLimitOptions = {}): Policy {
  const opts = RateLimitOptionsSchema.parse(options);
  const now = deps.now ?? Date.now;
  // Bounded local limits when the shared store is down (DESIGN: never "no limits").
  const fallback = deps.store.kind === 'memory' ? deps.store : createMemoryStore({ now });

  function planFor(ctx: RequestContext): {
    who: string;
    perMinute: number;
    burst: number;
    perSecond: number | null | undefined;
    dailyQuota: number | null | undefined;
    routeKey: string;
  } {
    const override = ctx.route?.rateLimit;
    const routeKey = override ? `:r:${ctx.route!.prefix}` : '';
    if (ctx.caller) {
      const plan = ctx.caller.plan;
      return {
        who: `c:${ctx.caller.customerId}`,
        perMinute: override?.requests_per_minute ?? plan.requests_per_minute,
        burst: override?.burst ?? plan.burst,
        perSecond: override ? override.requests_per_second : plan.requests_per_second,
        dailyQuota: plan.daily_quota,
        routeKey,
      };
    }
    return {
      who: `ip:${ctx.clientIp}`,
      perMinute: opts.anonymous.requests_per_minute,
      burst: opts.anonymous.burst,
      perSecond: undefined,
      dailyQuota: undefined,
      routeKey: '',
    };
  }

  function finish(ctx: RequestContext, d: Decision, p: ReturnType<typeof planFor>): PolicyResult {
    const resetS = Math.ceil(d.resetMs / 1000);
    const h = ctx.responseHeaders;
    h['ratelimit-policy'] = `"plan";q=${p.perMinute};w=60;burst=${p.burst}`;
    h.ratelimit = `"plan";r=${d.remaining};t=${resetS}`;
    h['x-ratelimit-limit'] = String(p.perMinute);
    h['x-ratelimit-remaining'] = String(d.remaining);
    h['x-ratelimit-reset'] = String(resetS);
    if (d.allowed) return undefined;
    ctx.rateLimited = true;
    deps.onRejected?.(d.quotaExceeded ? 'quota' : 'rate');
    const retryAfter = String(Math.max(1, Math.ceil(d.retryAfterMs / 1000)));
    return new ApiError(
      d.quotaExceeded ? GatewayErrors.quota_exceeded : GatewayErrors.rate_limited,
      {
        headers: { 'retry-after': retryAfter },
        details: { retry_after_seconds: Number(retryAfter) },
      },
    );
  }

  return function rateLimitPolicy(ctx) {
    const p = planFor(ctx);
    // `{who}` is a Redis Cluster hash tag: every key of one decision (buckets and quota) starts
    // with the same `<prefix>{<who>}`, whose first `{`...`}` pair lies inside that shared text,
    // so they hash to one slot and the one Lua script may touch them all (no CROSSSLOT).
    // Customers still spread over the cluster's slots.
    const tagged = `${opts.prefix}{${p.who}}`;
    const base = `${tagged}${p.routeKey}`;
    const limits: GcraLimit[] = [
      { key: `${base}:m`, emissionMs: 60_000 / p.perMinute, burst: p.burst },
    ];
    if (p.perSecond)
      limits.push({ key: `${base}:s`, emissionMs: 1000 / p.perSecond, burst: p.perSecond });
    const t = now();
    const request: ConsumeRequest = {
      limits,
      quota: p.dailyQuota
        ? {
            key: `${tagged}:q:${Math.floor(t / DAY_MS)}`,
            limit: p.dailyQuota,
            windowMs: DAY_MS - (t % DAY_MS),
          }
        : undefined,
    };
    let decision: Decision | Promise<Decision>;
    try {
      decision = deps.store.consume(request);
    } catch (error) {
      return onFailure(ctx, error, request, p);
    }
    if (decision instanceof Promise) {
      return decision.then(
        (d) => finish(ctx, d, p),
        (error: unknown) => onFailure(ctx, error, request, p),
      );
    }
    return finish(ctx, decision, p);
  };

  function onFailure(
    ctx: RequestContext,
    error: unknown,
    request: ConsumeRequest,
    p: ReturnType<typeof planFor>,
  ): PolicyResult {
    deps.onStoreError?.(error);
    if (opts.failMode === 'closed' || fallback === deps.store) {
      return new ApiError(GatewayErrors.service_unavailable, {
        message: 'The rate-limit store is unavailable; retry later.',
        headers: { 'retry-after': '1' },
      });
    }
    return finish(ctx, fallback.consume(request) as Decision, p);
  }
}
