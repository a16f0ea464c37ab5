import { describe, expect, it } from 'vitest';
import type { CallerIdentity } from '../../listener/context.js';
import type { MatchedRoute } from '../../proxy/route-table.js';
import { fakeContext } from '../../testing/fake-context.js';
import { rateLimit } from './index.js';
import type { ConsumeRequest, RateLimitStore } from './stores/types.js';

/** Redis Cluster's rule: the hash tag is between the first `{` and the next `}`, if non-empty. */
function hashTag(key: string): string | undefined {
  const open = key.indexOf('{');
  if (open < 0) return undefined;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : undefined;
}

function recordingStore(): RateLimitStore & { seen: ConsumeRequest[] } {
  const seen: ConsumeRequest[] = [];
  return {
    kind: 'memory',
    seen,
    consume(request) {
      seen.push(request);
      return { allowed: true, remaining: 1, retryAfterMs: 0, resetMs: 0, quotaExceeded: false };
    },
    async close() {},
  } as RateLimitStore & { seen: ConsumeRequest[] };
}

const plan = {
  requests_per_minute: 60,
  burst: 10,
  requests_per_second: 5,
  daily_quota: 1000,
} as CallerIdentity['plan'];

function keysOf(request: ConsumeRequest): string[] {
  return [...request.limits.map((l) => l.key), ...(request.quota ? [request.quota.key] : [])];
}

describe('rate-limit key names for Redis Cluster', () => {
  it('every key of one decision (minute, second and quota buckets) shares the customer hash tag', () => {
    const store = recordingStore();
    const policy = rateLimit({ store }, { prefix: 'gatehouse:rl:' });
    const ctx = fakeContext({});
    ctx.caller = { method: 'api_key', customerId: 'cus_42', keyId: 'k1', scopes: [], plan };
    policy(ctx);
    const keys = keysOf(store.seen[0]!);
    expect(keys).toHaveLength(3);
    for (const key of keys) {
      expect(key.startsWith('gatehouse:rl:{c:cus_42}'), key).toBe(true);
      expect(hashTag(key)).toBe('c:cus_42');
    }
  });

  it('a route override keeps the tag, so its buckets sit in the customer slot too', () => {
    const store = recordingStore();
    const policy = rateLimit({ store }, { prefix: 'p:' });
    const ctx = fakeContext({});
    ctx.caller = { method: 'jwt', customerId: 'cus_7', keyId: '', scopes: [], plan };
    ctx.route = {
      prefix: '/v1/reports',
      rateLimit: { requests_per_minute: 5, burst: 1 },
    } as unknown as MatchedRoute;
    policy(ctx);
    const keys = keysOf(store.seen[0]!);
    expect(keys.some((k) => k.includes(':r:/v1/reports'))).toBe(true);
    expect(new Set(keys.map(hashTag))).toEqual(new Set(['c:cus_7']));
  });

  it('anonymous callers are tagged by client IP; a brace in the id cannot split the keys', () => {
    const store = recordingStore();
    const policy = rateLimit({ store }, { prefix: 'p:' });
    policy(fakeContext({ ip: '2001:db8::1' }));
    expect(keysOf(store.seen[0]!).map(hashTag)).toEqual(['ip:2001:db8::1']);

    const ctx = fakeContext({});
    ctx.caller = { method: 'jwt', customerId: 'a}b{c', keyId: '', scopes: [], plan };
    policy(ctx);
    const tags = new Set(keysOf(store.seen[1]!).map(hashTag));
    expect(tags.size).toBe(1);
    expect([...tags][0]).toBeTruthy();
  });
});
