import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/database.js';
import { IDENTITY_AUDIENCE, IDENTITY_HEADER, IDENTITY_ISSUER } from '@gatehouse/shared';
import { gatewayKeys, startTestApi, type TestApi, testDatabases } from '../../test/harness.js';

const pglite = testDatabases()[0]!;
// Identity is checked before any query: one embedded database serves every app in this file.
let db: Database;
beforeAll(async () => {
  db = await pglite.open();
});
afterAll(() => db?.close());

describe('identity token from the gateway', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi(pglite, { db });
  });
  afterAll(() => t?.close());

  const get = (token?: string) =>
    t.request('GET', '/v1/orders', {
      as: null,
      headers: token ? { [IDENTITY_HEADER]: token } : {},
    });

  it('answers 401 unauthorized without a token', async () => {
    const res = await get();
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');
  });

  it('accepts a valid token and scopes data to its subject', async () => {
    const res = await get(await t.keys.sign('cus_a'));
    expect(res.status).toBe(200);
  });

  it.each([
    ['the wrong audience', { aud: 'someone-else' }],
    ['the wrong issuer', { iss: 'evil' }],
    ['an expired token', { expSeconds: -60 }],
    ['a token valid for a day (not short-lived)', { expSeconds: 86_400 }],
  ])('answers 401 for %s', async (_name, overrides) => {
    expect((await get(await t.keys.sign('cus_a', overrides))).status).toBe(401);
  });

  it('answers 401 for a token signed by another key, or garbage', async () => {
    const stranger = await gatewayKeys();
    expect((await get(await stranger.sign('cus_a'))).status).toBe(401);
    expect((await get('not-a-jwt')).status).toBe(401);
  });

  it('answers 401 for an unsigned (alg none) token', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const body = Buffer.from(
      JSON.stringify({
        sub: 'cus_a',
        iss: IDENTITY_ISSUER,
        aud: IDENTITY_AUDIENCE,
        exp: 9999999999,
      }),
    ).toString('base64url');
    expect((await get(`${header}.${body}.`)).status).toBe(401);
  });
});

describe('development mode', () => {
  it('is off by default and, when set, lets token-less requests act as the fixed customer', async () => {
    const dev = await startTestApi(pglite, {
      db,
      config: {
        identity: {
          publicKeyPem: undefined,
          jwksUrl: 'http://127.0.0.1:9/x',
          devCustomer: 'cus_dev',
        },
      },
    });
    try {
      const created = await dev.request('POST', '/v1/orders', {
        as: null,
        body: { items: [{ sku: 'a', quantity: 1, unit_price_cents: 1 }], currency: 'EUR' },
      });
      expect(created.status).toBe(201);
      expect(created.body.customer_id).toBe('cus_dev');
    } finally {
      await dev.close();
    }
  });
});

describe('keys from the gateway JWKS', () => {
  it('verifies tokens against a JWKS URL', async () => {
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA', use: 'sig' };
    const jwks = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
    const t = await startTestApi(pglite, {
      db,
      config: { identity: { publicKeyPem: undefined, jwksUrl: url, devCustomer: undefined } },
    });
    try {
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'EdDSA', kid: 'k1' })
        .setIssuer(IDENTITY_ISSUER)
        .setAudience(IDENTITY_AUDIENCE)
        .setSubject('cus_jwks')
        .setExpirationTime('1m')
        .sign(privateKey);
      const ok = await t.request('GET', '/v1/orders', {
        as: null,
        headers: { [IDENTITY_HEADER]: token },
      });
      expect(ok.status).toBe(200);
      const other = await t.keys.sign('cus_jwks');
      const bad = await t.request('GET', '/v1/orders', {
        as: null,
        headers: { [IDENTITY_HEADER]: other },
      });
      expect(bad.status).toBe(401);
    } finally {
      await t.close();
      await new Promise((r) => jwks.close(r));
    }
  });
});

describe('gateway key set unreachable', () => {
  it('answers 503 service_unavailable, not 401, when the JWKS cannot be fetched', async () => {
    const t = await startTestApi(pglite, {
      db,
      config: {
        identity: {
          publicKeyPem: undefined,
          jwksUrl: 'http://127.0.0.1:9/jwks.json',
          devCustomer: undefined,
        },
      },
    });
    try {
      const res = await t.request('GET', '/v1/orders', {
        as: null,
        headers: { [IDENTITY_HEADER]: await t.keys.sign('c') },
      });
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('service_unavailable');
    } finally {
      await t.close();
    }
  });
});
