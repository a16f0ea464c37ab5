import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_NODE_FLAGS } from '../../gateway/src/node-flags.js';
import { type TestStack, startTestStack } from '../support/stack.js';

let stack: TestStack;
let tls: Agent;

async function admin<T>(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await request(`${stack.adminUrl}${path}`, {
    method: method as 'GET',
    headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: (text ? JSON.parse(text) : null) as T };
}

async function viaGateway(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
) {
  const res = await request(`${stack.gatewayUrl}${path}`, {
    method: method as 'GET',
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    dispatcher: tls,
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : null };
}

async function query<T>(path: string): Promise<T> {
  const res = await request(`${stack.collectorUrl}${path}`, {
    headers: { authorization: `Bearer ${stack.adminToken}` },
  });
  expect(res.statusCode).toBe(200);
  return (await res.body.json()) as T;
}

async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** When `GET /api/v1/requests/:id` first returns the request (polled every 150 ms), or undefined. */
async function whenVisible(requestId: string, deadline: number): Promise<number | undefined> {
  for (;;) {
    const res = await request(
      `${stack.collectorUrl}/api/v1/requests/${encodeURIComponent(requestId)}`,
      { headers: { authorization: `Bearer ${stack.adminToken}` } },
    );
    const body = (await res.body.json()) as { request_id?: string };
    if (res.statusCode === 200 && body.request_id === requestId) return Date.now();
    expect(res.statusCode).toBe(404);
    if (Date.now() > deadline) return undefined;
    await new Promise((r) => setTimeout(r, 150));
  }
}

beforeAll(async () => {
  // The collector's production flush interval (the stack default is 200 ms for speed), so the
  // 5 s visibility guarantee below is checked as deployed: shipper 1 s + collector 1 s batching.
  stack = await startTestStack({ partEnv: { collector: { COLLECTOR_FLUSH_MS: '1000' } } });
  tls = new Agent({ connect: { ca: stack.caPem, servername: 'localhost' } });
});

afterAll(async () => {
  await tls?.close();
  await stack?.close();
});

describe('a customer calling the orders API through the gateway', () => {
  let secret: string;
  let customerId: string;

  it('gets a key from the admin API and creates, reads and lists orders over TLS', async () => {
    const customer = await admin<{ id: string }>('POST', '/v1/customers', {
      name: 'Stack Co',
      plan: 'pro',
    });
    expect(customer.status).toBe(201);
    customerId = customer.body.id;
    const key = await admin<{ key_id: string; secret: string }>(
      'POST',
      `/v1/customers/${customerId}/keys`,
      {},
    );
    expect(key.status).toBe(201);
    secret = key.body.secret;

    const created = await viaGateway(
      'POST',
      '/v1/orders',
      { authorization: `Bearer ${secret}` },
      { currency: 'EUR', items: [{ sku: 'A-1', quantity: 2, unit_price_cents: 1250 }] },
    );
    expect(created.status).toBe(201);
    expect(created.body.customer_id).toBe(customerId);
    expect(created.body.total_cents).toBe(2500);
    expect(created.headers['strict-transport-security']).toBeDefined();
    expect(created.headers['x-request-id']).toBeTruthy();
    expect(created.headers['ratelimit-policy']).toBeDefined();

    const read = await viaGateway('GET', `/v1/orders/${created.body.id}`, { 'x-api-key': secret });
    expect(read.status).toBe(200);
    expect(read.body.id).toBe(created.body.id);

    const listed = await viaGateway('GET', '/v1/orders?limit=10', {
      authorization: `Bearer ${secret}`,
    });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((o: { id: string }) => o.id)).toEqual([created.body.id]);
  });

  it("starts the gateway the way the image does: with the gateway's V8 flags", () => {
    const pid = stack.parts.gateway.child.pid;
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    for (const flag of GATEWAY_NODE_FLAGS) expect(argv).toContain(flag);
  });

  it('refuses a call without a key, and plain HTTP never proxies', async () => {
    const anonymous = await viaGateway('GET', '/v1/orders', {});
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('missing_credentials');

    const plain = await request(`${stack.httpUrl}/v1/orders`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(plain.statusCode).toBe(426);
    expect(((await plain.body.json()) as { error: { code: string } }).error.code).toBe(
      'https_required',
    );
  });

  it('shows the requests in the query API within seconds, grouped by route template', async () => {
    const endpoints = await eventually(async () => {
      const page = await query<{ items: { route: string; method: string; requests: number }[] }>(
        '/api/v1/endpoints?range=15m',
      );
      const byId = page.items.find((r) => r.route === '/v1/orders/{id}' && r.method === 'GET');
      return byId ? page : undefined;
    });
    const post = endpoints.items.find((r) => r.route === '/v1/orders' && r.method === 'POST');
    expect(post?.requests).toBe(1);

    const customers = await query<{ items: { customer_id: string; requests: number }[] }>(
      '/api/v1/customers?range=15m',
    );
    expect(customers.items.find((c) => c.customer_id === customerId)?.requests).toBe(3);
  });

  it('shows each answered request in the query API within 5 s (issue 4 "Done when")', async () => {
    // A product guarantee, checked on the visible result: from the moment the client has the
    // whole answer until request lookup by id returns it. Polled every 150 ms, so the figure
    // over-states the delay by at most one poll. A lone request waits out both batching timers
    // (the shipper's and the collector's, 1 s each from the first event queued), the slowest case.
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await viaGateway('GET', '/v1/orders?limit=1', {
        authorization: `Bearer ${secret}`,
      });
      const answeredAt = Date.now();
      expect(res.status).toBe(200);
      const id = res.headers['x-request-id'];
      expect(typeof id).toBe('string');
      const visibleAt = await whenVisible(String(id), answeredAt + 60_000);
      expect(visibleAt, `request ${id} never appeared in the query API`).toBeDefined();
      delays.push((visibleAt ?? Number.POSITIVE_INFINITY) - answeredAt);
    }
    console.info(`[stack] answered -> visible in the query API (ms): ${delays.join(', ')}`);
    for (const d of delays) expect(d).toBeLessThan(5_000);
  }, 180_000);

  it('lets a customer read only their own usage at /v1/usage', async () => {
    // Another customer calls a method the first never used; once the collector has it,
    // the first customer's usage must still not show it.
    const other = await admin<{ id: string }>('POST', '/v1/customers', {
      name: 'Other Co',
      plan: 'pro',
    });
    const otherKey = await admin<{ secret: string }>(
      'POST',
      `/v1/customers/${other.body.id}/keys`,
      {},
    );
    const patch = await viaGateway(
      'PATCH',
      '/v1/orders/ord_missing',
      { authorization: `Bearer ${otherKey.body.secret}` },
      { notes: 'x' },
    );
    expect(patch.status).toBe(404);
    await eventually(async () => {
      const page = await query<{ items: { method: string }[] }>('/api/v1/endpoints?range=15m');
      return page.items.some((r) => r.method === 'PATCH') ? true : undefined;
    });

    const usage = await viaGateway('GET', `/v1/usage?range=15m&customer_id=${other.body.id}`, {
      authorization: `Bearer ${secret}`,
    });
    expect(usage.status).toBe(200);
    expect(usage.body.customer_id).toBe(customerId);
    expect(usage.body.requests).toBeGreaterThanOrEqual(3);
    const methods = usage.body.endpoints.map((e: { method: string }) => e.method);
    expect(methods).toContain('POST');
    expect(methods).not.toContain('PATCH');
  });
});
