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

  /** What one caller (and route override) is limited by: keys, numbers and fixed headers. */
  interface Bucket {
    /** The frozen plan object this was built from: a refreshed plan is a new object. */
    plan: unknown;
    tagged: string;
    perMinute: number;
    burst: number;
    limits: GcraLimit[];
    dailyQuota: number | null | undefined;
    policyHeader: string;
    limitHeader: string;
  }

  function bucketFor(
    who: string,
    routeKey: string,
    plan: unknown,
    perMinute: number,
    burst: number,
    perSecond: number | null | undefined,
    dailyQuota: number | null | undefined,
  ): Bucket {
    // `{who}` is a Redis Cluster hash tag: every key of one decision (buckets and quota) starts
    // with the same `<prefix>{<who>}`, whose first `{`...`}` pair lies inside that shared text,
    // so they hash to one slot and the one Lua script may touch them all (no CROSSSLOT).
    // Customers still spread over the cluster's slots.
    const tagged = `${opts.prefix}{${who}}`;
    const base = `${tagged}${routeKey}`;
    const limits: GcraLimit[] = [{ key: `${base}:m`, emissionMs: 60_000 / perMinute, burst }];
    if (perSecond)
      limits.push({ key: `${base}:s`, emissionMs: 1000 / perSecond, burst: perSecond });
    return {
      plan,
      tagged,
      perMinute,
      burst,
      limits,
      dailyQuota,
      policyHeader: `"plan";q=${perMinute};w=60;burst=${burst}`,
      limitHeader: String(perMinute),
    };
  }

  // Per customer (and route override): keys and header texts built once, not per request.
  // Bounded by the customers that called recently; rebuilt when the plan object changes.
  const buckets = new Map<string, Bucket>();
  const MAX_BUCKETS = 10_000;

  function callerBucket(ctx: RequestContext): Bucket {
    const caller = ctx.caller!;
    const plan = caller.plan;
    const override = ctx.route?.rateLimit;
    const cacheKey = override ? `${caller.customerId}\n${ctx.route!.prefix}` : caller.customerId;
    const hit = buckets.get(cacheKey);
    if (hit !== undefined && hit.plan === plan) return hit;
    const b = bucketFor(
      `c:${caller.customerId}`,
      override ? `:r:${ctx.route!.prefix}` : '',
      plan,
      override?.requests_per_minute ?? plan.requests_per_minute,
      override?.burst ?? plan.burst,
      override ? override.requests_per_second : plan.requests_per_second,
      plan.daily_quota,
    );
    if (buckets.size >= MAX_BUCKETS) buckets.clear();
    buckets.set(cacheKey, b);
    return b;
  }

  function anonymousBucket(ctx: RequestContext): Bucket {
    return bucketFor(
      `ip:${ctx.clientIp}`,
      '',
      undefined,
      opts.anonymous.requests_per_minute,
      opts.anonymous.burst,
      undefined,
      undefined,
    );
  }

  function finish(ctx: RequestContext, d: Decision, b: Bucket): PolicyResult {
    const resetS = Math.ceil(d.resetMs / 1000);
    const h = ctx.responseHeaders;
    h['ratelimit-policy'] = b.policyHeader;
    h.ratelimit = `"plan";r=${d.remaining};t=${resetS}`;
    h['x-ratelimit-limit'] = b.limitHeader;
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
    const b = ctx.caller ? callerBucket(ctx) : anonymousBucket(ctx);
    let quota: ConsumeRequest['quota'];
    if (b.dailyQuota) {
      const t = now();
      quota = {
        key: `${b.tagged}:q:${Math.floor(t / DAY_MS)}`,
        limit: b.dailyQuota,
        windowMs: DAY_MS - (t % DAY_MS),
      };
    }
    const request: ConsumeRequest = { limits: b.limits, quota };
    let decision: Decision | Promise<Decision>;
    try {
      decision = deps.store.consume(request);
    } catch (error) {
      return onFailure(ctx, error, request, b);
    }
    if (decision instanceof Promise) {
      return decision.then(
        (d) => finish(ctx, d, b),
        (error: unknown) => onFailure(ctx, error, request, b),
      );
    }
    return finish(ctx, decision, b);
  };

  function onFailure(
    ctx: RequestContext,
    error: unknown,
    request: ConsumeRequest,
    b: Bucket,
  ): PolicyResult {
    deps.onStoreError?.(error);
    if (opts.failMode === 'closed' || fallback === deps.store) {
      return new ApiError(GatewayErrors.service_unavailable, {
        message: 'The rate-limit store is unavailable; retry later.',
        headers: { 'retry-after': '1' },
      });
    }
    return finish(ctx, fallback.consume(request) as Decision, b);
  }
}
