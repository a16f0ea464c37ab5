import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  callUrl,
  dropSchema,
  spawnGatewayProcess,
  startTestGateway,
  startUpstream,
  type TestGateway,
  type TestUpstream,
  waitFor,
} from '../../testing/harness.js';

let upstream: TestUpstream;
let gw: TestGateway;
let jwksServer: Server;
let jwksHits = 0;
let rsa: Awaited<ReturnType<typeof generateKeyPair>>;
const ISSUER = 'https://idp.example.test';
const AUDIENCE = 'gatehouse-test';

beforeAll(async () => {
  rsa = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(rsa.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwksServer = createServer((_req, res) => {
    jwksHits++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
  upstream = await startUpstream();
  gw = await startTestGateway({
    upstreamUrl: upstream.url,
    routes: [
      { prefix: '/openapi.json', auth: 'public', scopes: [] },
      { prefix: '/v1/orders', auth: 'required', scopes: [] },
      { prefix: '/v1/reports', auth: 'required', scopes: ['reports:read'] },
    ],
    jwt: {
      jwksUrl: `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`,
      issuer: ISSUER,
      audience: AUDIENCE,
      jwksCooldownMs: 60_000,
    },
    authFailureLimit: { requests_per_minute: 60, burst: 1000 },
  });
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  jwksServer?.close();
  if (gw) await dropSchema(gw.config.databaseSchema!);
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('API keys', () => {
  it('missing credentials → 401 missing_credentials with WWW-Authenticate, not proxied', async () => {
    const before = upstream.forwarded().length;
    const res = await gw.call('GET', '/v1/orders');
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe('missing_credentials');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm=/);
    expect(upstream.forwarded().length).toBe(before);
    expect(gw.sink.events.at(-1)).toMatchObject({ status: 401, error_code: 'missing_credentials' });
  });

  it('accepts the Bearer scheme in any case, and refuses other schemes', async () => {
    const { key } = await gw.customerWithKey();
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      const res = await gw.call('GET', '/v1/orders', {
        headers: { authorization: `${scheme} ${key}` },
      });
      expect(res.status).toBe(200);
    }
    for (const value of [`Basic ${key}`, `Bearers ${key}`, `Beare ${key}`, `Token ${key}`, key]) {
      const res = await gw.call('GET', '/v1/orders', { headers: { authorization: value } });
      expect(res.status).toBe(401);
      expect(res.json.error.code).toBe('invalid_credentials');
    }
  });

  it('finds the key past extra whitespace, in either header, as trim() would', async () => {
    const { key } = await gw.customerWithKey();
    const sent: Record<string, string>[] = [
      { authorization: `Bearer   ${key}` },
      { authorization: `Bearer \t${key}` },
      // A no-break space (0xA0) is whitespace to trim() in a Latin-1 header value.
      { authorization: `Bearer ${key}\u00a0` },
      { authorization: `Bearer \u00a0${key}` },
      { 'x-api-key': key },
      { 'x-api-key': `${key}\u00a0` },
    ];
    for (const headers of sent) {
      const res = await gw.call('GET', '/v1/orders', { headers });
      expect(res.status, JSON.stringify(headers)).toBe(200);
    }
    const blank: Record<string, string>[] = [
      { authorization: 'Bearer \u00a0' },
      { 'x-api-key': '\u00a0' },
    ];
    for (const headers of blank) {
      const res = await gw.call('GET', '/v1/orders', { headers });
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(res.json.error.code).toBe('missing_credentials');
    }
  });

  it('refuses a wrong secret for a key id just accepted, in the same header form', async () => {
    const { key } = await gw.customerWithKey();
    const forged = key.replace(/_([0-9A-Za-z]{43})_/, `_${'A'.repeat(43)}_`);
    expect((await gw.call('GET', '/v1/orders', { headers: bearer(key) })).status).toBe(200);
    const res = await gw.call('GET', '/v1/orders', { headers: bearer(forged) });
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe('invalid_credentials');
    expect((await gw.call('GET', '/v1/orders', { headers: bearer(key) })).status).toBe(200);
  });

  it('an unknown or malformed key → 401 invalid_credentials', async () => {
    const { key } = await gw.customerWithKey();
    // Same shape, different secret: passes the format check, fails the hash compare.
    const forged = key.replace(/_([0-9A-Za-z]{43})_/, `_${'A'.repeat(43)}_`);
    for (const token of ['nonsense', forged]) {
      const res = await gw.call('GET', '/v1/orders', { headers: bearer(token) });
      expect(res.status).toBe(401);
      expect(res.json.error.code).toBe('invalid_credentials');
    }
  });

  it('a revoked key is refused', async () => {
    const { key, keyId } = await gw.customerWithKey();
    expect((await gw.call('GET', '/v1/orders', { headers: bearer(key) })).status).toBe(200);
    expect((await gw.admin('DELETE', `/v1/keys/${keyId}`)).status).toBeLessThan(300);
    const res = await gw.call('GET', '/v1/orders', { headers: bearer(key) });
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe('invalid_credentials');
  });

  it('an expired key is refused', async () => {
    const { customerId } = await gw.customerWithKey();
    const created = await gw.store.createApiKey({
      customerId,
      expiresAt: new Date(Date.now() - 1000),
    });
    await gw.cache.refresh();
    const res = await gw.call('GET', '/v1/orders', { headers: bearer(created.key) });
    expect(res.status).toBe(401);
  });

  it("a disabled customer's key is refused", async () => {
    const { key, customerId } = await gw.customerWithKey();
    expect((await gw.admin('POST', `/v1/customers/${customerId}/disable`)).status).toBe(200);
    expect((await gw.call('GET', '/v1/orders', { headers: bearer(key) })).status).toBe(401);
  });

  it('a key without the scope a route requires → 403 forbidden; with it → proxied', async () => {
    const plain = await gw.customerWithKey('pro', []);
    const res = await gw.call('GET', '/v1/reports/1', { headers: bearer(plain.key) });
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('forbidden');
    const scoped = await gw.customerWithKey('pro', ['reports:read']);
    expect((await gw.call('GET', '/v1/reports/1', { headers: bearer(scoped.key) })).status).toBe(
      200,
    );
  });

  it('a revoked key is refused by a SECOND gateway process within 5 s', async () => {
    const second = await spawnGatewayProcess(gw);
    try {
      const { key, keyId } = await gw.customerWithKey();
      const viaSecond = async () =>
        (await callUrl(gw, `${second.httpsUrl}/v1/orders`, bearer(key))).status;
      expect(await waitFor(async () => (await viaSecond()) === 200, 10_000)).toBe(true);
      await gw.admin('DELETE', `/v1/keys/${keyId}`);
      const revokedAt = Date.now();
      const refused = await waitFor(async () => (await viaSecond()) === 401, 5_000, 100);
      expect(refused, `still accepted ${Date.now() - revokedAt} ms after revocation`).toBe(true);
    } finally {
      await second.stop();
    }
    // A second process needs time to boot on a loaded CI machine; the 5 s bound is on revocation.
  }, 120_000);
});

describe('credentials in the URL', () => {
  it('→ 400 credentials_in_url, never proxied, the value absent from logs and events', async () => {
    const { key } = await gw.customerWithKey();
    const before = upstream.forwarded().length;
    for (const name of ['api_key', 'apikey', 'key', 'access_token', 'TOKEN']) {
      const res = await gw.call('GET', `/v1/orders?${name}=${key}&limit=1`);
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe('credentials_in_url');
    }
    expect(upstream.forwarded().length).toBe(before);
    expect(gw.logs()).not.toContain(key);
    expect(JSON.stringify(gw.sink.events)).not.toContain(key);
    expect(gw.sink.events.at(-1)!.path).toBe('/v1/orders?TOKEN=REDACTED&limit=REDACTED');
  });
});

describe('JWT', () => {
  let customerId: string;
  beforeAll(async () => {
    ({ customerId } = await gw.customerWithKey());
  });
  const sign = (claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) =>
    new SignJWT({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: customerId,
      iat: Math.floor(Date.now() / 1000),
      exp: Math.floor(Date.now() / 1000) + 300,
      scope: 'orders:read',
      ...claims,
    })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1', ...header })
      .sign(rsa.privateKey);

  it('a valid RS256 token from the JWKS is accepted and the customer comes from sub', async () => {
    const res = await gw.call('GET', '/v1/orders', { headers: bearer(await sign()) });
    expect(res.status).toBe(200);
    expect(gw.sink.events.at(-1)).toMatchObject({ auth_method: 'jwt', customer_id: customerId });
  });

  it('rejects alg none, wrong aud, expired, future nbf, unknown kid and HS256 with the public key', async () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: ISSUER, aud: AUDIENCE, sub: customerId, iat: now, exp: now + 300 };
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
    const pem = await exportSPKI(rsa.publicKey);
    const hsInput = `${b64({ alg: 'HS256', typ: 'JWT', kid: 'k1' })}.${b64(claims)}`;
    const hs256 = `${hsInput}.${createHmac('sha256', pem).update(hsInput).digest('base64url')}`;
    const tokens: Record<string, string> = {
      none,
      hs256,
      wrongAud: await sign({ aud: 'someone-else' }),
      expired: await new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject(customerId)
        .setExpirationTime(now - 600)
        .sign(rsa.privateKey),
      futureNbf: await sign({ nbf: now + 600 }),
      unknownKid: await sign({}, { kid: 'nope' }),
    };
    for (const [name, token] of Object.entries(tokens)) {
      const res = await gw.call('GET', '/v1/orders', { headers: bearer(token) });
      expect({ name, status: res.status, code: res.json?.error?.code }).toEqual({
        name,
        status: 401,
        code: 'invalid_credentials',
      });
    }
  });

  it('unknown kids refetch the JWKS at most once per cooldown', async () => {
    await gw.call('GET', '/v1/orders', { headers: bearer(await sign()) });
    const before = jwksHits;
    for (let i = 0; i < 5; i++) {
      const res = await gw.call('GET', '/v1/orders', {
        headers: bearer(await sign({}, { kid: `x${i}` })),
      });
      expect(res.status).toBe(401);
    }
    expect(jwksHits - before).toBeLessThanOrEqual(1);
  });

  it('a token for an unknown customer is refused', async () => {
    const res = await gw.call('GET', '/v1/orders', {
      headers: bearer(await sign({ sub: 'cus_nope' })),
    });
    expect(res.status).toBe(401);
  });
});
