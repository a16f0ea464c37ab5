import { RequestEventSchema } from '@gatehouse/shared';
import { describe, expect, it } from 'vitest';
import { fakeContext } from '../../testing/fake-context.js';
import { buildEvent, createMemorySink } from './index.js';

describe('capture policy', () => {
  it('builds a schema-valid event with the query redacted and no credentials', () => {
    const ctx = fakeContext({
      url: '/v1/orders/9?expand=items',
      headers: {
        'user-agent': 'curl/8',
        'idempotency-key': 'k',
        authorization: 'Bearer gh_live_secret',
      },
    });
    ctx.requestId = 'r1';
    ctx.routeTemplate = '/v1/orders/{id}';
    ctx.caller = {
      method: 'api_key',
      customerId: 'cus_1',
      keyId: 'k1',
      scopes: [],
      plan: { name: 'free', requests_per_minute: 1, burst: 1 },
    };
    const event = buildEvent(ctx, 'host:1', 12.5);
    expect(RequestEventSchema.parse(event)).toEqual(event);
    expect(event).toMatchObject({
      path: '/v1/orders/9?expand=REDACTED',
      route: '/v1/orders/{id}',
      customer_id: 'cus_1',
      auth_method: 'api_key',
      idempotency_key: true,
      latency_ms: 12.5,
    });
    expect(JSON.stringify(event)).not.toContain('gh_live_secret');
  });

  it('writes latencies to the microsecond (no 16-digit fractions in every event)', () => {
    const ctx = fakeContext({});
    ctx.upstreamLatencyMs = 0.512_345_678_9;
    // startedAt is 0 in a fake context, so endedAt is the latency.
    const event = buildEvent(ctx, 'i', 0.741_234_567_890_123_4);
    expect(event.latency_ms).toBe(0.741);
    expect(event.upstream_latency_ms).toBe(0.512);
    expect(buildEvent(ctx, 'i', 12.345_5).latency_ms).toBe(12.346);
    expect(buildEvent(ctx, 'i', 0.000_4).latency_ms).toBe(0);
  });

  it('the memory sink is bounded and counts drops', () => {
    const sink = createMemorySink(1);
    const ctx = fakeContext({});
    sink.push(buildEvent(ctx, 'i', 1));
    sink.push(buildEvent(ctx, 'i', 1));
    expect(sink.events).toHaveLength(1);
    expect(sink.dropped).toBe(1);
  });
});
