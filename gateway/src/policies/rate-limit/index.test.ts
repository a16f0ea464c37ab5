import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dropSchema,
  spawnGatewayProcess,
  startTestGateway,
  startUpstream,
  TEST_REDIS_URL,
  type TestGateway,
  type TestUpstream,
} from '../../testing/harness.js';
import { gcra } from './gcra.js';
import { createMemoryStore } from './stores/memory.js';
import { createRedisStore } from './stores/redis.js';

const prefix = () => `gatehouse-test:${randomBytes(4).toString('hex')}:`;

describe('GCRA', () => {
  it('allows the burst at once, then one request per emission interval', () => {
    let now = 1_000_000;
    const store = createMemoryStore({ now: () => now });
    const limits = [{ key: 'a', emissionMs: 1000, burst: 3 }];
    const allowed = () =>
      store.consume({ limits }) as { allowed: boolean; remaining: number; retryAfterMs: number };
    expect([allowed(), allowed(), allowed()].map((d) => [d.allowed, d.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
    ]);
    const denied = allowed();
    expect(denied.allowed).toBe(false);
    expect(denied.retryAfterMs).toBe(1000);
    // Denied requests are not counted: after one interval exactly one more fits.
    now += 1000;
    expect(allowed().allowed).toBe(true);
    expect(allowed().allowed).toBe(false);
    void store.close();
  });

  it('a denied request leaves the TAT unchanged', () => {
    const r = gcra(5000, 1000, { key: 'k', emissionMs: 1000, burst: 2 });
    expect(r.allowed).toBe(false);
    expect(r.newTat).toBe(5000);
  });

  it('the daily quota refuses once used up, with quotaExceeded', () => {
    const store = createMemoryStore({ now: () => 0 });
    const req = {
      limits: [{ key: 'q', emissionMs: 1, burst: 100 }],
      quota: { key: 'day', limit: 2, windowMs: 60_000 },
    };
    expect((store.consume(req) as { allowed: boolean }).allowed).toBe(true);
    expect((store.consume(req) as { allowed: boolean }).allowed).toBe(true);
    expect(store.consume(req)).toMatchObject({ allowed: false, quotaExceeded: true });
    void store.close();
  });
});

describe('Redis store', () => {
  it('two clients racing on one key never over-issue (decide and count in one script)', async () => {
    const p = prefix();
    const a = createRedisStore({ url: TEST_REDIS_URL });
    const b = createRedisStore({ url: TEST_REDIS_URL });
    try {
      expect(await a.ready(5000)).toBe(true);
      expect(await b.ready(5000)).toBe(true);
      const limits = [{ key: `${p}race`, emissionMs: 3_600_000, burst: 10 }];
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).consume({ limits })),
      );
      expect(results.filter((r) => r.allowed).length).toBe(10);
      const denied = results.find((r) => !r.allowed)!;
      expect(denied.retryAfterMs).toBeGreaterThan(0);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('rate-limit policy through the gateway', () => {
  let upstream: TestUpstream;
  let gw: TestGateway;
  const tinyPlan = `tiny_${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    upstream = await startUpstream();
    gw = await startTestGateway({
      upstreamUrl: upstream.url,
      redisUrl: TEST_REDIS_URL,
      redisPrefix: prefix(),
    });
    const plan = await gw.admin('POST', '/v1/plans', {
      name: tinyPlan,
      requests_per_minute: 6,
      burst: 3,
    });
    expect(plan.status).toBe(201);
  });
  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
    if (gw) await dropSchema(gw.config.databaseSchema!);
  });

  it('429 rate_limited with Retry-After after the burst, shared by all keys of the customer, not proxied', async () => {
    const { key, customerId } = await gw.customerWithKey(tinyPlan);
    const second = await gw.admin('POST', `/v1/customers/${customerId}/keys`, {});
    const keys = [key, second.json.secret as string];
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await gw.call('GET', '/v1/orders', {
        headers: { authorization: `Bearer ${keys[i % 2]}` },
      });
      statuses.push(res.status);
      expect(res.headers['x-ratelimit-remaining']).toBe(String(2 - i));
    }
    expect(statuses).toEqual([200, 200, 200]);
    const before = upstream.forwarded().length;
    const limited = await gw.call('GET', '/v1/orders', {
      headers: { authorization: `Bearer ${keys[1]}` },
    });
    expect(limited.status).toBe(429);
    expect(limited.json.error.code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(limited.headers['ratelimit-policy']).toBe('"plan";q=6;w=60;burst=3');
    expect(limited.headers.ratelimit).toMatch(/^"plan";r=0;t=\d+$/);
    expect(upstream.forwarded().length).toBe(before);
    expect(gw.sink.events.at(-1)).toMatchObject({
      status: 429,
      rate_limited: true,
      error_code: 'rate_limited',
    });
    const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/gatehouse_gateway_rate_limit_rejections_total\{reason="rate"\} [1-9]/);
    expect(metrics).not.toContain(customerId);
  });

  it('two gateway processes sharing Redis enforce one limit (100 per minute → 100 ± 2)', async () => {
    const plan = `hundred_${randomBytes(3).toString('hex')}`;
    await gw.admin('POST', '/v1/plans', { name: plan, requests_per_minute: 100, burst: 100 });
    const { key } = await gw.customerWithKey(plan);
    const other = await spawnGatewayProcess(gw);
    try {
      const headers = { authorization: `Bearer ${key}` };
      const started = Date.now();
      let ok = 0;
      let limited = 0;
      for (let round = 0; round < 15; round++) {
        const batch = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            gw.call('GET', '/v1/orders', { headers, baseUrl: i % 2 ? other.httpsUrl : undefined }),
          ),
        );
        for (const r of batch) {
          if (r.status === 200) ok++;
          else if (r.status === 429) limited++;
        }
      }
      const elapsed = Date.now() - started;
      // GCRA refills one request per 600 ms: anything above 100 must be explained by elapsed time.
      const refilled = Math.floor(elapsed / 600);
      expect(ok + limited).toBe(150);
      expect(ok).toBeGreaterThanOrEqual(100);
      expect(ok).toBeLessThanOrEqual(100 + refilled);
      if (elapsed < 1200) expect(Math.abs(ok - 100)).toBeLessThanOrEqual(2);
    } finally {
      await other.stop();
    }
  }, 120_000);
});

describe('Redis unreachable', () => {
  let upstream: TestUpstream;
  beforeAll(async () => {
    upstream = await startUpstream();
  });
  afterAll(async () => {
    await upstream?.close();
  });

  it('fails open to per-process limits by default (with a metric), and closed on request', async () => {
    for (const failMode of ['open', 'closed'] as const) {
      const gw = await startTestGateway({
        upstreamUrl: upstream.url,
        redisUrl: 'redis://127.0.0.1:1',
        rateLimitFailMode: failMode,
      });
      try {
        const plan = `fo_${randomBytes(3).toString('hex')}`;
        await gw.admin('POST', '/v1/plans', { name: plan, requests_per_minute: 6, burst: 2 });
        const { key } = await gw.customerWithKey(plan);
        const headers = { authorization: `Bearer ${key}` };
        const statuses = [];
        for (let i = 0; i < 3; i++)
          statuses.push((await gw.call('GET', '/v1/orders', { headers })).status);
        expect(statuses).toEqual(failMode === 'open' ? [200, 200, 429] : [503, 503, 503]);
        const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
        expect(metrics).toMatch(/gatehouse_gateway_rate_limit_store_errors_total [1-9]/);
        expect(gw.logs()).toContain('rate-limit store failed');
      } finally {
        await gw.close();
        await dropSchema(gw.config.databaseSchema!);
      }
    }
  });
});
