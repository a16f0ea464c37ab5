import { request as httpRequest } from 'node:http';
import { IDENTITY_HEADER } from '@gatehouse/shared';
import { importJWK, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dropSchema,
  startTestGateway,
  startUpstream,
  type TestGateway,
  type TestUpstream,
} from '../testing/harness.js';

let upstream: TestUpstream;
let gw: TestGateway;
let key: string;
let customerId: string;
let keyId: string;

beforeAll(async () => {
  upstream = await startUpstream();
  gw = await startTestGateway({ upstreamUrl: upstream.url, upstreamTimeoutMs: 1500 });
  ({ key, customerId, keyId } = await gw.customerWithKey('pro'));
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  if (gw) await dropSchema(gw.config.databaseSchema!);
});

const lastSeen = () => upstream.seen.at(-1)!;

describe('forwarding', () => {
  it('proxies an authenticated request and returns the upstream answer with gateway headers', async () => {
    const res = await gw.call('GET', '/v1/orders?limit=2', {
      headers: { authorization: `Bearer ${key}`, 'x-request-id': 'client-req-1' },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ ok: true, url: '/v1/orders?limit=2' });
    expect(res.headers['x-request-id']).toBe('client-req-1');
    expect(res.headers['strict-transport-security']).toMatch(/^max-age=\d+/);
    expect(res.headers['x-upstream']).toBe('yes');
    // hop-by-hop headers from the upstream never reach the client
    expect(res.headers['x-hop']).toBeUndefined();
    expect(res.headers['ratelimit-policy']).toMatch(/q=\d+;w=60/);
    expect(res.headers.ratelimit).toMatch(/r=\d+;t=\d+/);
    expect(res.headers['x-ratelimit-limit']).toBeDefined();
    expect(res.headers['x-ratelimit-remaining']).toBeDefined();
    expect(res.headers['x-ratelimit-reset']).toBeDefined();
  });

  it('accepts the key in X-API-Key too', async () => {
    const res = await gw.call('GET', '/v1/orders', { headers: { 'x-api-key': key } });
    expect(res.status).toBe(200);
  });

  it('sends X-Forwarded-*, traceparent and a verifiable identity token; strips the credentials', async () => {
    const trace = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await gw.call('GET', '/v1/orders/42', {
      headers: {
        authorization: `Bearer ${key}`,
        traceparent: trace,
        'x-forwarded-for': '10.0.0.9',
      },
    });
    const h = lastSeen().headers;
    expect(h['x-forwarded-for']).toBe('10.0.0.9, 127.0.0.1');
    expect(h['x-forwarded-proto']).toBe('https');
    expect(h.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect(h.traceparent).not.toBe(trace);
    expect(h.authorization).toBeUndefined();
    expect(h['x-request-id']).toMatch(/.+/);
    const jwks = (await (await fetch(`${gw.adminUrl}/.well-known/jwks.json`)).json()) as {
      keys: Record<string, unknown>[];
    };
    const publicKey = await importJWK(jwks.keys[0]!, 'EdDSA');
    const { payload } = await jwtVerify(String(h[IDENTITY_HEADER]), publicKey, {
      issuer: 'gatehouse-gateway',
      audience: 'orders-api',
      algorithms: ['EdDSA'],
    });
    expect(payload).toMatchObject({ sub: customerId, key_id: keyId });
  });

  it("sends the upstream one request id, one trace and the gateway's forwarding headers, never the client's copies", async () => {
    await gw.call('GET', '/v1/orders/43', {
      headers: {
        authorization: `Bearer ${key}`,
        'x-request-id': 'client-req-7',
        'x-forwarded-host': 'evil.example',
        'x-forwarded-proto': 'http',
        cookie: 'a=1',
      },
    });
    const h = lastSeen().headers;
    // A well-formed client id is kept, and appears once (a duplicate would arrive joined).
    expect(h['x-request-id']).toBe('client-req-7');
    expect(h['x-forwarded-host']).not.toBe('evil.example');
    expect(h['x-forwarded-proto']).toBe('https');
    expect(h['x-forwarded-for']).toBe('127.0.0.1');
    expect(h.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(h.cookie).toBe('a=1');
  });

  it('never lets a client-sent identity header reach the upstream', async () => {
    const forged = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ2aWN0aW0ifQ.';
    const res = await gw.call('GET', '/openapi.json', {
      headers: { [IDENTITY_HEADER]: forged, 'x-gatehouse-customer': 'victim' },
    });
    expect(res.status).toBe(200);
    const h = lastSeen().headers;
    expect(h[IDENTITY_HEADER]).toBeUndefined();
    expect(h['x-gatehouse-customer']).toBeUndefined();
    await gw.call('GET', '/v1/orders', {
      headers: { authorization: `Bearer ${key}`, [IDENTITY_HEADER]: forged },
    });
    expect(lastSeen().headers[IDENTITY_HEADER]).not.toBe(forged);
  });

  it('forwards a request body and records the request as an analytics event with its template', async () => {
    const body = JSON.stringify({ items: [{ sku: 'a', qty: 1 }] });
    const res = await gw.call('POST', '/v1/orders/7/cancel?reason=x', {
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        'idempotency-key': 'k1',
      },
      body,
    });
    expect(res.status).toBe(200);
    expect(lastSeen().body).toBe(body);
    const event = gw.sink.events.find((e) => e.request_id === res.headers['x-request-id']);
    expect(event).toMatchObject({
      customer_id: customerId,
      key_id: keyId,
      auth_method: 'api_key',
      method: 'POST',
      route: '/v1/orders/{id}/cancel',
      path: '/v1/orders/7/cancel?reason=REDACTED',
      status: 200,
      error_code: '',
      bytes_in: body.length,
      idempotency_key: true,
      rate_limited: false,
    });
  });

  it('answers 504 upstream_timeout when the upstream is slow', async () => {
    const res = await gw.call('GET', '/v1/slow', { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(504);
    expect(res.json.error.code).toBe('upstream_timeout');
    expect(res.json.error.request_id).toBe(res.headers['x-request-id']);
  });

  it('answers 413 for a declared body over the limit without forwarding it', async () => {
    const before = upstream.forwarded().length;
    const res = await gw
      .call('POST', '/v1/orders', {
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: 'x'.repeat(gw.config.maxBodyBytes + 1),
      })
      .catch((error: unknown) => ({ status: 0, error }));
    expect(res.status).toBe(413);
    expect(upstream.forwarded().length).toBe(before);
  });

  it('answers 404 for a path no route covers and does not forward it', async () => {
    const before = upstream.forwarded().length;
    const res = await gw.call('GET', '/admin/secret');
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe('not_found');
    expect(upstream.forwarded().length).toBe(before);
  });

  it('the plain HTTP port answers 426 https_required, never proxies, and records the answer', async () => {
    const before = upstream.forwarded().length;
    const { status, body, requestId } = await new Promise<{
      status: number;
      body: string;
      requestId: string;
    }>((resolve, reject) => {
      const req = httpRequest(
        `${gw.httpUrl}/v1/orders?api_key=plain-secret-123&limit=5`,
        { headers: { authorization: `Bearer ${key}` } },
        (res) => {
          let b = '';
          res.on('data', (c) => (b += c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: b,
              requestId: String(res.headers['x-request-id']),
            }),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(426);
    expect(JSON.parse(body).error.code).toBe('https_required');
    expect(upstream.forwarded().length).toBe(before);

    const event = gw.sink.events.find((e) => e.request_id === requestId);
    expect(event).toMatchObject({
      status: 426,
      error_code: 'https_required',
      customer_id: '',
      auth_method: 'none',
      route: '',
      method: 'GET',
    });
    expect(event?.path.startsWith('/v1/orders?')).toBe(true);
    expect(JSON.stringify(event)).not.toContain('plain-secret-123');
  });
});

describe('metrics', () => {
  it('/metrics counts requests by route template, method and status class, with no customer label', async () => {
    await gw.call('GET', '/v1/orders/abc', { headers: { authorization: `Bearer ${key}` } });
    await gw.call('GET', '/v1/orders', { headers: { authorization: 'Bearer gh_live_nope' } });
    const res = await fetch(`${gw.adminUrl}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(
      /gatehouse_gateway_requests_total\{route="\/v1\/orders\/\{id\}",method="GET",status_class="2xx"\} [1-9]/,
    );
    expect(text).toMatch(/gatehouse_gateway_request_duration_seconds_bucket\{le="0.005",route=/);
    expect(text).toMatch(/gatehouse_gateway_auth_failures_total\{reason="malformed"\} [1-9]/);
    expect(text).toMatch(/gatehouse_gateway_upstream_errors_total\{kind="timeout"\} [1-9]/);
    expect(text).toContain('gatehouse_gateway_event_queue_depth');
    expect(text).toContain('gatehouse_gateway_process_cpu_user_seconds_total');
    expect(text).not.toContain(customerId);
  });
});

describe('admin port extras', () => {
  it('serves /healthz and /readyz (key cache fresh) without the operator token', async () => {
    expect((await fetch(`${gw.adminUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${gw.adminUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready' });
  });
});

describe('upstream down', () => {
  it('answers 502 upstream_unavailable when the upstream refuses connections', async () => {
    const dead = await startUpstream();
    const deadUrl = dead.url;
    await dead.close();
    const gw2 = await startTestGateway({ upstreamUrl: deadUrl });
    try {
      const { key: k } = await gw2.customerWithKey('pro');
      const res = await gw2.call('GET', '/v1/orders', {
        headers: { authorization: `Bearer ${k}` },
      });
      expect(res.status).toBe(502);
      expect(res.json.error.code).toBe('upstream_unavailable');
      expect(gw2.sink.events.at(-1)).toMatchObject({
        status: 502,
        error_code: 'upstream_unavailable',
      });
    } finally {
      await gw2.close();
      await dropSchema(gw2.config.databaseSchema!);
    }
  });
});
