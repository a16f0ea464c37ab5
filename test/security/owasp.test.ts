/**
 * OWASP API Security Top 10 (2023), one describe per class, against the whole stack as real
 * processes, through the gateway over TLS unless a class is about another surface. The last
 * describe searches every log line and ClickHouse row the file produced for the secrets it used.
 * Per-part unit tests cover the mechanisms; these check the parts together.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import tls from 'node:tls';
import { SignJWT, importPKCS8 } from 'jose';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordResult } from '../support/report.js';
import { type TestStack, startTestStack } from '../support/stack.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies are inspected field by field
type Body = any;
interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: Body;
}

const JWT_ISSUER = 'https://idp.security-test.example/';
const JWT_AUDIENCE = 'gatehouse-security-test';

let stack: TestStack;
let agent: Agent;
let configDir: string;
let jwtPrivatePem: string;
/** Every secret this file handled; the secrets describe checks none was logged or stored. */
const secrets = new Set<string>();

// ---- the report: per class, cases tried and passed --------------------------------------------
// A test counts each attack it tries (`passed()` after each one's assertions); a test that
// counts none is one case. A failure counts the attack that failed as tried, not passed.
const tally = new Map<string, { cases: number; passed: number }>();
function owasp(cls: string, title: string, fn: (passed: () => void) => Promise<void>) {
  it(title, async () => {
    const t = tally.get(cls) ?? { cases: 0, passed: 0 };
    tally.set(cls, t);
    let n = 0;
    try {
      await fn(() => {
        n++;
      });
    } catch (err) {
      t.cases += n + 1;
      t.passed += n;
      throw err;
    }
    t.cases += Math.max(n, 1);
    t.passed += Math.max(n, 1);
  });
}

// ---- clients ----------------------------------------------------------------------------------
async function call(
  base: string,
  method: string,
  p: string,
  opts: {
    key?: string;
    headers?: Record<string, string>;
    body?: unknown;
    raw?: string | Buffer;
    dispatcher?: Agent;
  } = {},
): Promise<Res> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  let body: string | Buffer | undefined;
  if (opts.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(opts.body);
  } else if (opts.raw !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = opts.raw;
  }
  const res = await request(`${base}${p}`, {
    method: method as 'GET',
    headers,
    body,
    dispatcher: opts.dispatcher,
  });
  const text = await res.body.text();
  let parsed: Body = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  return { status: res.statusCode, headers: res.headers, text, body: parsed };
}
const gw = (method: string, p: string, opts: Parameters<typeof call>[3] = {}) =>
  call(stack.gatewayUrl, method, p, { dispatcher: agent, ...opts });
const admin = (method: string, p: string, body?: unknown) =>
  call(stack.adminUrl, method, p, { key: stack.adminToken, body });

async function newCustomer(name: string): Promise<{ id: string; key: string }> {
  const c = await admin('POST', '/v1/customers', { name, plan: 'pro' });
  expect(c.status).toBe(201);
  const k = await admin('POST', `/v1/customers/${c.body.id}/keys`, {});
  expect(k.status).toBe(201);
  secrets.add(k.body.secret);
  return { id: c.body.id, key: k.body.secret };
}

const ORDER = { currency: 'EUR', items: [{ sku: 'SEC-1', quantity: 1, unit_price_cents: 500 }] };

function expectEnvelope(r: Res, status: number, code?: string) {
  expect(r.status, r.text).toBe(status);
  expect(String(r.headers['content-type'])).toMatch(/^application\/json/);
  expect(typeof r.body?.error?.code).toBe('string');
  expect(typeof r.body?.error?.request_id).toBe('string');
  if (code) expect(r.body.error.code).toBe(code);
}

/** Stack-trace and internals markers that must never reach a client. */
function expectNoInternals(r: Res) {
  expect(r.text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+|ECONNREFUSED|SELECT |stack/);
}

async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 250));
  }
}

let a: { id: string; key: string };
let b: { id: string; key: string };

beforeAll(async () => {
  configDir = await mkdtemp(path.join(os.tmpdir(), 'gatehouse-security-'));
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  jwtPrivatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const gatewayConfig = path.join(configDir, 'gateway.json');
  await writeFile(
    gatewayConfig,
    JSON.stringify({
      jwt: {
        publicKeys: [publicKey.export({ type: 'spki', format: 'pem' }).toString()],
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
        algorithms: ['EdDSA'],
      },
      // Short enough that the slow-client test ends quickly, long enough for any real request.
      timeouts: { headersMs: 2_000, requestMs: 5_000, keepAliveMs: 5_000 },
    }),
  );
  stack = await startTestStack({
    partEnv: {
      gateway: { GATEWAY_CONFIG: gatewayConfig },
      // The harness allows private callbacks for other tests; production refuses them.
      api: { CALLBACK_ALLOW_PRIVATE: 'false' },
    },
  });
  secrets.add(stack.adminToken);
  secrets.add(stack.ingestToken);
  agent = new Agent({ connect: { ca: stack.caPem, servername: 'localhost' } });
  a = await newCustomer('Security A');
  b = await newCustomer('Security B');
});

afterAll(async () => {
  for (const [cls, t] of tally) recordResult('security', cls, t.cases, t.passed);
  await agent?.close();
  await stack?.close();
  if (configDir) await rm(configDir, { recursive: true, force: true });
});

describe('API1 broken object level authorization', () => {
  owasp(
    'API1 object-level authorization',
    "customer A can neither read, change, delete nor list B's orders",
    async () => {
      const order = await gw('POST', '/v1/orders', { key: b.key, body: ORDER });
      expect(order.status).toBe(201);
      const id = order.body.id as string;
      const etag = String(order.headers.etag);

      expectEnvelope(await gw('GET', `/v1/orders/${id}`, { key: a.key }), 404, 'order_not_found');
      expectEnvelope(
        await gw('PATCH', `/v1/orders/${id}`, { key: a.key, body: { notes: 'mine now' } }),
        404,
        'order_not_found',
      );
      expectEnvelope(
        await gw('PUT', `/v1/orders/${id}`, {
          key: a.key,
          body: ORDER,
          headers: { 'if-match': etag },
        }),
        404,
        'order_not_found',
      );
      expectEnvelope(
        await gw('DELETE', `/v1/orders/${id}`, { key: a.key }),
        404,
        'order_not_found',
      );
      // Through a batch, which runs with the caller's own identity.
      const batch = await gw('POST', '/v1/batch', {
        key: a.key,
        body: { requests: [{ method: 'GET', path: `/v1/orders/${id}` }] },
      });
      expect(batch.status).toBe(200);
      expect(JSON.stringify(batch.body)).toContain('order_not_found');

      const listed = await gw('GET', '/v1/orders?limit=100', { key: a.key });
      expect(listed.status).toBe(200);
      expect(listed.body.items.map((o: { id: string }) => o.id)).not.toContain(id);
      const exported = await gw('GET', '/v1/export/orders', { key: a.key });
      expect(exported.status).toBe(200);
      expect(exported.text).not.toContain(id);

      // B still sees it unchanged: nothing A did had an effect.
      const own = await gw('GET', `/v1/orders/${id}`, { key: b.key });
      expect(own.status).toBe(200);
      expect(own.body.notes ?? null).toBeNull();
      expect(own.headers.etag).toBe(etag);
    },
  );

  owasp('API1 object-level authorization', "customer A cannot read B's report", async () => {
    const report = await gw('POST', '/v1/reports', {
      key: b.key,
      body: { from: '2026-01-01', to: '2026-01-31' },
    });
    expect(report.status).toBe(202);
    const jobId = report.body.job_id as string;
    expectEnvelope(
      await gw('GET', `/v1/reports/${jobId}`, { key: a.key }),
      404,
      'report_not_found',
    );
    expect((await gw('GET', `/v1/reports/${jobId}`, { key: b.key })).status).toBe(200);
  });

  owasp(
    'API1 object-level authorization',
    "/v1/usage answers with the caller's own usage whatever customer is asked for",
    async () => {
      for (const q of [`?range=15m&customer_id=${b.id}`, `?customer_id=${b.id}`]) {
        const usage = await gw('GET', `/v1/usage${q}`, { key: a.key });
        if (usage.status === 200) expect(usage.body.customer_id).toBe(a.id);
        else expect([400, 422]).toContain(usage.status);
        expect(usage.text).not.toContain(b.id);
      }
    },
  );
});

describe('API2 broken authentication', () => {
  async function jwt(
    claims: Record<string, unknown>,
    exp: string | number = '5m',
  ): Promise<string> {
    const key = await importPKCS8(jwtPrivatePem, 'EdDSA');
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA' })
      .setIssuer(JWT_ISSUER)
      .setAudience(JWT_AUDIENCE)
      .setSubject(a.id)
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(key);
    secrets.add(token);
    return token;
  }

  owasp(
    'API2 broken authentication',
    'a JWT signed by the configured issuer works; forged, expired, alg:none, HS256 and wrong-audience JWTs get 401',
    async (passed) => {
      const good = await jwt({});
      const ok = await gw('GET', '/v1/orders', { key: good });
      expect(ok.status, ok.text).toBe(200);

      const other = generateKeyPairSync('ed25519').privateKey;
      const forged = await new SignJWT({})
        .setProtectedHeader({ alg: 'EdDSA' })
        .setIssuer(JWT_ISSUER)
        .setAudience(JWT_AUDIENCE)
        .setSubject(a.id)
        .setExpirationTime('5m')
        .sign(other);
      const expired = await jwt({}, Math.floor(Date.now() / 1000) - 3600);
      const [, payload] = good.split('.');
      const header = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const none = `${header({ alg: 'none', typ: 'JWT' })}.${payload}.`;
      const hs = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(JWT_ISSUER)
        .setAudience(JWT_AUDIENCE)
        .setSubject(a.id)
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(jwtPrivatePem));
      const wrongAud = await new SignJWT({})
        .setProtectedHeader({ alg: 'EdDSA' })
        .setIssuer(JWT_ISSUER)
        .setAudience('someone-else')
        .setSubject(a.id)
        .setExpirationTime('5m')
        .sign(await importPKCS8(jwtPrivatePem, 'EdDSA'));
      // The signature of a good token over a changed payload.
      const tampered = `${good.split('.')[0]}.${header({ iss: JWT_ISSUER, aud: JWT_AUDIENCE, sub: b.id, exp: 4102444800 })}.${good.split('.')[2]}`;
      for (const bad of [forged, expired, none, hs, wrongAud, tampered]) {
        secrets.add(bad);
        const r = await gw('GET', '/v1/orders', { key: bad });
        expectEnvelope(r, 401, 'invalid_credentials');
        passed();
      }
    },
  );

  owasp(
    'API2 broken authentication',
    'a client-sent identity header never authenticates',
    async () => {
      const r = await gw('GET', '/v1/orders', {
        headers: { 'x-gatehouse-identity': 'eyJhbGciOiJub25lIn0.e30.' },
      });
      expectEnvelope(r, 401, 'missing_credentials');
      // The api itself refuses a request that did not come through the gateway.
      const direct = await call(stack.apiUrl, 'GET', '/v1/orders', {
        headers: { 'x-gatehouse-identity': 'eyJhbGciOiJub25lIn0.e30.' },
      });
      expectEnvelope(direct, 401, 'unauthorized');
    },
  );

  owasp(
    'API2 broken authentication',
    'key guessing from one address is cut off with 429 by the auth-failure limit; other addresses are unaffected',
    async () => {
      // A second loopback source address: the limit is per client IP, so the rest of this
      // file (from 127.0.0.1) is not blocked.
      const guesser = new Agent({
        localAddress: '127.0.0.2',
        connect: { ca: stack.caPem, servername: 'localhost' },
      });
      try {
        let refused: Res | undefined;
        let failures = 0;
        for (let i = 0; i < 80 && !refused; i++) {
          const guess = `gh_live_${randomBytes(8).toString('hex')}_${randomBytes(21).toString('hex').slice(0, 43)}_abcdef`;
          const r = await gw('GET', '/v1/orders', { key: guess, dispatcher: guesser });
          if (r.status === 429) refused = r;
          else {
            expectEnvelope(r, 401, 'invalid_credentials');
            failures++;
          }
        }
        expect(refused, 'no 429 after 80 wrong keys').toBeDefined();
        expectEnvelope(refused as Res, 429, 'too_many_auth_failures');
        expect(Number((refused as Res).headers['retry-after'])).toBeGreaterThanOrEqual(1);
        // The default burst is 30 per minute; a slow machine may earn a few more in between.
        expect(failures).toBeGreaterThanOrEqual(30);
        expect(failures).toBeLessThan(80);
        expect((await gw('GET', '/v1/orders', { key: a.key })).status).toBe(200);
      } finally {
        await guesser.close();
      }
    },
  );
});

describe('API3 broken object property level authorization', () => {
  owasp(
    'API3 object property level',
    'mass assignment of customer_id, total_cents, status, id and version is refused with 422 naming the field',
    async (passed) => {
      for (const [field, value] of [
        ['customer_id', b.id],
        ['total_cents', 1],
        ['status', 'paid'],
        ['id', 'ord_mine'],
        ['version', 7],
      ] as const) {
        const r = await gw('POST', '/v1/orders', {
          key: a.key,
          body: { ...ORDER, [field]: value },
        });
        expectEnvelope(r, 422, 'validation_failed');
        expect(r.body.error.field).toBe(field);
        passed();
      }
      const order = await gw('POST', '/v1/orders', { key: a.key, body: ORDER });
      expect(order.status).toBe(201);
      for (const [field, value] of [
        ['customer_id', b.id],
        ['total_cents', 1],
        ['created_at', '2000-01-01T00:00:00Z'],
      ] as const) {
        const r = await gw('PATCH', `/v1/orders/${order.body.id}`, {
          key: a.key,
          body: { [field]: value },
        });
        expectEnvelope(r, 422, 'validation_failed');
        passed();
      }
      const after = await gw('GET', `/v1/orders/${order.body.id}`, { key: a.key });
      expect(after.body.customer_id).toBe(a.id);
      expect(after.body.total_cents).toBe(500);
      expect(after.body.status).toBe('pending');
    },
  );

  owasp(
    'API3 object property level',
    'responses carry only documented fields: orders, keys (no secret or hash after creation)',
    async () => {
      const doc = (await gw('GET', '/openapi.json')).body;
      const orderProps = Object.keys(doc.components.schemas.Order.properties);
      const order = await gw('POST', '/v1/orders', { key: a.key, body: ORDER });
      for (const k of Object.keys(order.body)) expect(orderProps).toContain(k);
      expect(Object.keys(order.body)).not.toContain('version');

      const keys = await admin('GET', `/v1/customers/${a.id}/keys`);
      expect(keys.status).toBe(200);
      for (const k of keys.body.items) {
        expect(Object.keys(k)).not.toContain('secret');
        expect(JSON.stringify(k)).not.toMatch(/hash|salt/i);
      }
      expect(keys.text).not.toContain(a.key);
    },
  );
});

describe('API4 unrestricted resource consumption', () => {
  owasp(
    'API4 resource consumption',
    'a body over 1 MiB is refused with 413 at the gateway, declared or chunked',
    async () => {
      const big = Buffer.alloc(1024 * 1024 + 10, 'a');
      const declared = await gw('POST', '/v1/orders', { key: a.key, raw: big });
      expectEnvelope(declared, 413, 'payload_too_large');
      // Chunked: no Content-Length, counted while streaming.
      async function* chunks() {
        for (let i = 0; i < 20; i++) yield Buffer.alloc(64 * 1024, 'b');
      }
      const res = await request(`${stack.gatewayUrl}/v1/orders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${a.key}`, 'content-type': 'application/json' },
        body: Readable.from(chunks()),
        dispatcher: agent,
      }).catch((err: Error) => err);
      // Either a clean 413 or, if the gateway had to cut the upload, a closed connection.
      if (!(res instanceof Error)) {
        expect(res.statusCode).toBe(413);
        await res.body.dump();
      }
    },
  );

  owasp(
    'API4 resource consumption',
    'page size over 100 and batches over 50 are refused with 422',
    async () => {
      expectEnvelope(
        await gw('GET', '/v1/orders?limit=101', { key: a.key }),
        422,
        'validation_failed',
      );
      expectEnvelope(
        await gw('GET', '/v1/orders?limit=100000', { key: a.key }),
        422,
        'validation_failed',
      );
      const requests = Array.from({ length: 51 }, () => ({ method: 'GET', path: '/v1/orders' }));
      expectEnvelope(
        await gw('POST', '/v1/batch', { key: a.key, body: { requests } }),
        422,
        'validation_failed',
      );
      expect(
        (await gw('POST', '/v1/batch', { key: a.key, body: { requests: requests.slice(0, 50) } }))
          .status,
      ).toBe(200);
    },
  );

  owasp(
    'API4 resource consumption',
    'a client trickling headers is disconnected; many idle connections do not stop service',
    async () => {
      const { port } = new URL(stack.gatewayUrl);
      const idle: tls.TLSSocket[] = [];
      try {
        const connectOne = () =>
          new Promise<tls.TLSSocket>((resolve, reject) => {
            const s = tls.connect(
              { host: '127.0.0.1', port: Number(port), ca: stack.caPem, servername: 'localhost' },
              () => resolve(s),
            );
            s.once('error', reject);
            // The server may close idle sockets with a reset later; that is not a failure.
            s.on('error', () => undefined);
          });
        for (let i = 0; i < 40; i++) idle.push(await connectOne());
        // Slowloris: a request line and one header, then nothing.
        const slow = idle[0] as tls.TLSSocket;
        const closed = new Promise<string>((resolve) => {
          let received = '';
          slow.on('data', (d) => {
            received += d.toString();
          });
          slow.on('error', () => undefined);
          slow.on('close', () => resolve(received));
        });
        slow.write('GET /v1/orders HTTP/1.1\r\nHost: localhost\r\n');
        // While 40 connections sit open, a real request is still served.
        expect((await gw('GET', '/v1/orders', { key: a.key })).status).toBe(200);
        const got = await Promise.race([
          closed,
          new Promise<string>((_, reject) =>
            setTimeout(() => reject(new Error('slow client was never disconnected')), 60_000),
          ),
        ]);
        // Node answers 408 before closing, or just closes; never a 200.
        expect(got).not.toMatch(/^HTTP\/1\.1 2/);
      } finally {
        for (const s of idle) s.destroy();
      }
    },
  );
});

describe('API5 broken function level authorization', () => {
  owasp(
    'API5 function-level authorization',
    'the admin API and the collector query and ingest APIs refuse a customer key with 401',
    async (passed) => {
      for (const [method, p] of [
        ['GET', '/v1/customers'],
        ['POST', '/v1/plans'],
        ['GET', `/v1/customers/${a.id}/keys`],
      ] as const) {
        const r = await call(stack.adminUrl, method, p, {
          key: a.key,
          body: method === 'POST' ? {} : undefined,
        });
        expectEnvelope(r, 401, 'unauthorized');
        passed();
      }
      for (const p of [
        '/api/v1/overview',
        '/api/v1/customers',
        `/api/v1/usage?customer_id=${a.id}`,
      ]) {
        expectEnvelope(await call(stack.collectorUrl, 'GET', p, { key: a.key }), 401);
        passed();
      }
      expectEnvelope(
        await call(stack.collectorUrl, 'POST', '/v1/events', { key: a.key, body: [] }),
        401,
      );
      // The query API does not accept the ingest token either.
      expectEnvelope(
        await call(stack.collectorUrl, 'GET', '/api/v1/overview', { key: stack.ingestToken }),
        401,
      );
    },
  );

  owasp(
    'API5 function-level authorization',
    'the data plane serves no admin or query routes, and the operator token is no customer key',
    async (passed) => {
      for (const p of ['/v1/customers', '/v1/plans', '/api/v1/overview', '/metrics']) {
        const r = await gw('GET', p, { key: a.key });
        expect([401, 404], `${p}: ${r.text}`).toContain(r.status);
        passed();
      }
      expectEnvelope(
        await gw('GET', '/v1/orders', { key: stack.adminToken }),
        401,
        'invalid_credentials',
      );
    },
  );
});

describe('API6 unrestricted access to sensitive business flows', () => {
  owasp(
    'API6 business flows',
    'ten concurrent retries with one Idempotency-Key create exactly one order',
    async () => {
      const c = await newCustomer('Security Idempotency');
      const send = () =>
        gw('POST', '/v1/orders', {
          key: c.key,
          body: ORDER,
          headers: { 'idempotency-key': 'buy-once-1' },
        });
      const first = await Promise.all(Array.from({ length: 10 }, send));
      for (const r of first) expect([201, 409], r.text).toContain(r.status);
      for (const r of first.filter((x) => x.status === 409))
        expect(r.body.error.code).toBe('idempotency_key_in_use');
      // Retry until the stored answer is replayed (bounded).
      const replay = await eventually(async () => {
        const r = await send();
        return r.status === 201 ? r : undefined;
      });
      const ids = new Set([...first.filter((r) => r.status === 201), replay].map((r) => r.body.id));
      expect(ids.size).toBe(1);
      const list = await gw('GET', '/v1/orders?limit=100', { key: c.key });
      expect(list.body.items).toHaveLength(1);
      // The same key with another body is refused, not a second order.
      const changed = await gw('POST', '/v1/orders', {
        key: c.key,
        body: { ...ORDER, currency: 'USD' },
        headers: { 'idempotency-key': 'buy-once-1' },
      });
      expect(changed.status).toBe(422);
      expect((await gw('GET', '/v1/orders?limit=100', { key: c.key })).body.items).toHaveLength(1);
    },
  );
});

describe('API7 server side request forgery', () => {
  owasp(
    'API7 SSRF',
    'report callbacks to loopback, private, link-local and non-http addresses are refused with 422',
    async (passed) => {
      const urls = [
        'http://127.0.0.1/hook',
        'http://10.0.0.1/hook',
        'http://169.254.169.254/latest/meta-data/',
        'http://[::1]/hook',
        'http://localhost/hook',
        'http://192.168.1.1/hook',
        'http://2130706433/hook',
        'http://[::ffff:127.0.0.1]/hook',
        'http://0.0.0.0/hook',
        'file:///etc/passwd',
        'gopher://127.0.0.1:6379/_INFO',
      ];
      for (const callback_url of urls) {
        const r = await gw('POST', '/v1/reports', {
          key: a.key,
          body: { from: '2026-01-01', to: '2026-01-02', callback_url },
        });
        expect(r.status, `${callback_url}: ${r.text}`).toBe(422);
        expect(r.body.error.code).toMatch(/callback_url_not_allowed|validation_failed/);
        passed();
      }
    },
  );

  owasp(
    'API7 SSRF',
    'alert webhook targets at loopback, private, link-local and non-http addresses are refused with 422',
    async (passed) => {
      for (const url of [
        'http://127.0.0.1:9/hook',
        'http://10.0.0.1/hook',
        'http://169.254.169.254/latest/meta-data/',
        'http://[::1]/hook',
        'http://localhost/hook',
        'http://user:pass@example.com/hook',
        'file:///etc/passwd',
      ]) {
        const r = await call(stack.collectorUrl, 'POST', '/api/v1/alerts/rules', {
          key: stack.adminToken,
          body: {
            name: 'SSRF probe',
            metric: 'error_rate_5xx',
            threshold: 0.5,
            targets: [{ type: 'webhook', url }],
          },
        });
        expect(r.status, `${url}: ${r.text}`).toBe(422);
        expect(r.body.error.code).toMatch(/webhook_target_refused|invalid_rule/);
        passed();
      }
      const rules = await call(stack.collectorUrl, 'GET', '/api/v1/alerts/rules', {
        key: stack.adminToken,
      });
      expect(rules.status).toBe(200);
      expect(rules.text).not.toContain('SSRF probe');
    },
  );
});

describe('API8 security misconfiguration', () => {
  function handshake(v: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'): Promise<string> {
    const { port } = new URL(stack.gatewayUrl);
    return new Promise((resolve) => {
      const s = tls.connect({
        host: '127.0.0.1',
        port: Number(port),
        ca: stack.caPem,
        servername: 'localhost',
        minVersion: v,
        maxVersion: v,
        // Let the client offer TLS 1.1 so that a refusal can only come from the server.
        ciphers: 'DEFAULT@SECLEVEL=0',
      });
      s.once('secureConnect', () => {
        resolve(String(s.getProtocol()));
        s.destroy();
      });
      s.once('error', (err) => resolve(`error: ${err.message}`));
    });
  }

  owasp(
    'API8 misconfiguration',
    'TLS 1.1 is refused by the server; TLS 1.2 and 1.3 are served',
    async () => {
      expect(await handshake('TLSv1.1')).toMatch(/alert protocol version/i);
      expect(await handshake('TLSv1.2')).toBe('TLSv1.2');
      expect(await handshake('TLSv1.3')).toBe('TLSv1.3');
    },
  );

  owasp(
    'API8 misconfiguration',
    'security headers on gateway answers; no X-Powered-By or version banner on any surface',
    async (passed) => {
      const ok = await gw('GET', '/v1/orders', { key: a.key });
      const refused = await gw('GET', '/v1/orders');
      for (const r of [ok, refused]) {
        expect(String(r.headers['strict-transport-security'])).toMatch(/max-age=\d+/);
        expect(r.headers['x-content-type-options']).toBe('nosniff');
      }
      const answers = [
        ok,
        refused,
        await gw('GET', '/openapi.json'),
        await gw('GET', '/nope'),
        await call(stack.apiUrl, 'GET', '/healthz'),
        await call(stack.apiUrl, 'GET', '/v1/orders'),
        await call(stack.adminUrl, 'GET', '/v1/customers', { key: stack.adminToken }),
        await call(stack.adminUrl, 'GET', '/nope'),
        await call(stack.collectorUrl, 'GET', '/api/v1/overview', { key: stack.adminToken }),
        await call(stack.collectorUrl, 'GET', '/nope'),
        await call(stack.httpUrl, 'GET', '/v1/orders'),
      ];
      for (const r of answers) {
        expect(r.headers['x-powered-by']).toBeUndefined();
        const server = r.headers.server;
        if (server !== undefined) expect(String(server)).not.toMatch(/\d/);
        passed();
      }
    },
  );

  owasp(
    'API8 misconfiguration',
    'CORS: only the admin API, only for the allowed origin',
    async () => {
      const preflight = (base: string, origin: string) =>
        call(base, 'OPTIONS', '/v1/customers', {
          headers: {
            origin,
            'access-control-request-method': 'GET',
            'access-control-request-headers': 'authorization',
          },
          dispatcher: base === stack.gatewayUrl ? agent : undefined,
        });
      // The launcher allows the dashboard, which the collector serves.
      const dashboard = new URL(stack.collectorUrl).origin;
      const allowed = await preflight(stack.adminUrl, dashboard);
      expect(allowed.headers['access-control-allow-origin']).toBe(dashboard);
      const evil = await preflight(stack.adminUrl, 'https://evil.example');
      expect(evil.headers['access-control-allow-origin']).toBeUndefined();
      for (const base of [stack.gatewayUrl, stack.collectorUrl, stack.apiUrl]) {
        const r = await preflight(base, 'https://evil.example');
        expect(r.headers['access-control-allow-origin'], base).toBeUndefined();
      }
      const get = await call(stack.adminUrl, 'GET', '/v1/customers', {
        key: stack.adminToken,
        headers: { origin: 'https://evil.example' },
      });
      expect(get.headers['access-control-allow-origin']).toBeUndefined();
    },
  );

  owasp(
    'API8 misconfiguration',
    'malformed requests get clean envelopes without stack traces or internals',
    async (passed) => {
      const cases: Res[] = [
        await gw('POST', '/v1/orders', { key: a.key, raw: '{"currency": "EUR", ' }),
        await gw('POST', '/v1/orders', { key: a.key, raw: '{"currency":"EU\\u0000R","items":[]}' }),
        await gw('GET', '/v1/orders/%E0%A4%A', { key: a.key }),
        await gw('GET', `/v1/orders/${'x'.repeat(5000)}`, { key: a.key }),
        await gw('GET', '/v1/orders?cursor=!!notbase64!!', { key: a.key }),
        await gw('GET', '/v1/orders?created_after=yesterday', { key: a.key }),
        await gw('POST', '/v1/orders', { key: a.key, raw: '[]' }),
        await gw('POST', '/v1/orders', {
          key: a.key,
          raw: 'a=1',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
        await call(stack.adminUrl, 'POST', '/v1/customers', { key: stack.adminToken, raw: '{' }),
        await call(stack.collectorUrl, 'GET', '/api/v1/overview?range=forever', {
          key: stack.adminToken,
        }),
      ];
      for (const r of cases) {
        expect(r.status, r.text).toBeGreaterThanOrEqual(400);
        expect(r.status, r.text).toBeLessThan(500);
        expect(typeof r.body?.error?.code, r.text).toBe('string');
        expectNoInternals(r);
        passed();
      }
    },
  );
});

describe('API9 improper inventory management', () => {
  owasp(
    'API9 inventory',
    'undocumented routes and versions answer 404; the document lists only /v1 and public probes',
    async (passed) => {
      for (const p of [
        '/v2/orders',
        '/v0/orders',
        '/api/v1/orders',
        '/internal',
        '/debug/vars',
        '/.env',
        '/v1beta/orders',
        '/admin',
      ]) {
        const r = await gw('GET', p, { key: a.key });
        expectEnvelope(r, 404);
        passed();
      }
      for (const p of ['/v1/admin', '/v1/orders/x/y', '/v1/debug']) {
        expectEnvelope(await gw('GET', p, { key: a.key }), 404);
        passed();
      }
      const doc = (await gw('GET', '/openapi.json')).body;
      for (const p of Object.keys(doc.paths))
        expect(p).toMatch(/^\/(v1\/|healthz$|readyz$|openapi\.json$|docs$)/);
      // A method the document does not list for a path is not served.
      const r = await gw('DELETE', '/v1/batch', { key: a.key });
      expect([404, 405]).toContain(r.status);
    },
  );
});

describe('API10 unsafe consumption of APIs', () => {
  let bad: net.Server;
  let stack2: TestStack;
  let agent2: Agent;
  let key2: string;

  beforeAll(async () => {
    // An upstream that misbehaves by path: garbage, a reset, oversized headers.
    bad = net.createServer((socket) => {
      socket.on('error', () => undefined);
      let head = '';
      socket.on('data', (d) => {
        head += d.toString('latin1');
        if (!head.includes('\r\n\r\n')) return;
        const target = head.split(' ')[1] ?? '';
        if (target.startsWith('/openapi.json')) {
          const body = '{"openapi":"3.1.0","info":{"title":"bad","version":"1"},"paths":{}}';
          socket.end(
            `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
          );
        } else if (target.includes('garbage')) {
          socket.end('this is not HTTP at all\r\n\u0000\u0001\u0002\r\n\r\n');
        } else if (target.includes('reset')) {
          socket.resetAndDestroy();
        } else if (target.includes('huge-headers')) {
          socket.end(
            `HTTP/1.1 200 OK\r\nx-big: ${'a'.repeat(200_000)}\r\ncontent-length: 0\r\n\r\n`,
          );
        } else if (target.includes('bad-length')) {
          socket.end('HTTP/1.1 200 OK\r\ncontent-length: nope\r\n\r\n{}');
        } else {
          socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}');
        }
      });
    });
    await new Promise<void>((r) => bad.listen(0, '127.0.0.1', () => r()));
    const { port } = bad.address() as net.AddressInfo;
    stack2 = await startTestStack({
      partEnv: { gateway: { GATEWAY_UPSTREAM_URL: `http://127.0.0.1:${port}` } },
    });
    secrets.add(stack2.adminToken);
    secrets.add(stack2.ingestToken);
    agent2 = new Agent({ connect: { ca: stack2.caPem, servername: 'localhost' } });
    const c = await call(stack2.adminUrl, 'POST', '/v1/customers', {
      key: stack2.adminToken,
      body: { name: 'Bad upstream' },
    });
    const k = await call(stack2.adminUrl, 'POST', `/v1/customers/${c.body.id}/keys`, {
      key: stack2.adminToken,
      body: {},
    });
    key2 = k.body.secret;
    secrets.add(key2);
  });

  afterAll(async () => {
    await agent2?.close();
    if (stack2) {
      for (const l of stack2.logs)
        stack.logs.push({ part: `bad-upstream ${l.part}`, line: l.line });
      await stack2.close();
    }
    await new Promise((r) => bad?.close(r));
  });

  owasp(
    'API10 unsafe consumption',
    'an upstream answering garbage, resetting, or with broken or oversized headers gives a clean 502 envelope',
    async (passed) => {
      const sanity = await call(stack2.gatewayUrl, 'GET', '/v1/fine', {
        key: key2,
        dispatcher: agent2,
      });
      expect(sanity.status).toBe(200);
      for (const p of ['/v1/garbage', '/v1/reset', '/v1/huge-headers', '/v1/bad-length']) {
        const r = await call(stack2.gatewayUrl, 'GET', p, { key: key2, dispatcher: agent2 });
        expectEnvelope(r, 502, 'upstream_unavailable');
        expectNoInternals(r);
        passed();
      }
      // The gateway keeps serving after all of it.
      expect(
        (await call(stack2.gatewayUrl, 'GET', '/v1/fine', { key: key2, dispatcher: agent2 }))
          .status,
      ).toBe(200);
    },
  );
});

describe('secrets never reach logs or analytics', () => {
  owasp(
    'Secrets in logs and analytics',
    'a key sent in the URL query is refused with 400 and never forwarded',
    async () => {
      const leaked = await newCustomer('Security URL key');
      const r = await gw('GET', `/v1/orders?api_key=${encodeURIComponent(leaked.key)}`);
      expectEnvelope(r, 400, 'credentials_in_url');
      const r2 = await gw('GET', `/v1/orders?access_token=${encodeURIComponent(leaked.key)}`, {
        key: a.key,
      });
      expectEnvelope(r2, 400, 'credentials_in_url');
      expect(r.text).not.toContain(leaked.key);
    },
  );

  owasp(
    'Secrets in logs and analytics',
    'no key secret, operator token, ingest token or JWT appears in any log line or ClickHouse row',
    async () => {
      // Wait until the collector stored the URL-key request, so the rows include it.
      const rows = await eventually(async () => {
        const res = await fetch(stack.clickhouseUrl, {
          method: 'POST',
          body: `SELECT * FROM ${stack.clickhouseDatabase}.requests FORMAT JSONEachRow`,
        });
        const text = await res.text();
        expect(res.status, text).toBe(200);
        return text.includes('credentials_in_url') && text.includes('too_many_auth_failures')
          ? text
          : undefined;
      });
      const lines = rows.split('\n').filter((l) => l.trim() !== '');
      expect(lines.length).toBeGreaterThan(50);
      // The query string was captured, redacted.
      expect(rows).toMatch(/REDACTED/);
      const logText = stack.logs.map((l) => l.line).join('\n');
      expect(stack.logs.length).toBeGreaterThan(50);
      expect(secrets.size).toBeGreaterThan(10);
      const found: string[] = [];
      for (const s of secrets) {
        // Also the secret part of a key alone, and its URL-encoded form.
        const variants = [s, encodeURIComponent(s), s.split('_').slice(3, 4).join('')].filter(
          (v) => v.length >= 16,
        );
        for (const v of variants) {
          if (logText.includes(v)) found.push(`log contains ${v.slice(0, 12)}…`);
          if (rows.includes(v)) found.push(`ClickHouse contains ${v.slice(0, 12)}…`);
        }
      }
      expect(found).toEqual([]);
    },
  );
});
