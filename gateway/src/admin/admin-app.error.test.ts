import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '../store/testing.js';
import { type RunningAdmin, startTestAdmin, type TestResponse } from './testing.js';

function expectError(res: TestResponse, status: number, code: string, field?: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(res.json.error.code).toBe(code);
  expect(res.json.error.message).toEqual(expect.any(String));
  expect(res.json.error.request_id).toBe(res.headers.get('x-request-id'));
  if (field !== undefined) expect(res.json.error.field).toBe(field);
}

describe.each(testBackends('admin_err'))('admin API errors on $name', (backend) => {
  let admin: RunningAdmin;
  let customerId: string;
  beforeAll(async () => {
    admin = await startTestAdmin(backend);
    customerId = (await admin.call('POST', '/v1/customers', { name: 'Err' })).json.id;
  });
  afterAll(async () => {
    await admin?.close();
    await backend.cleanup();
  });

  describe('operator token', () => {
    const routes: [string, string][] = [
      ['GET', '/v1/customers'],
      ['POST', '/v1/customers'],
      ['GET', '/v1/plans'],
      ['POST', '/v1/plans'],
      ['DELETE', '/v1/keys/0000000000000000'],
      ['POST', '/v1/keys/0000000000000000/rotate'],
      ['GET', '/v1/nothing-here'],
    ];
    it.each(routes)('%s %s without a token → 401 with WWW-Authenticate', async (method, path) => {
      const res = await admin.call(method, path, undefined, { authorization: '' });
      expectError(res, 401, 'unauthorized');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    });

    it('refuses a wrong token, a token with a suffix, a prefix of it and other schemes', async () => {
      for (const authorization of [
        'Bearer wrong-token-wrong-token',
        'Bearer test-operator-token-0123456789x',
        'Bearer test-operator-token-012345678',
        'Basic dGVzdDp0ZXN0',
        'test-operator-token-0123456789',
      ]) {
        const res = await admin.call('GET', '/v1/customers', undefined, { authorization });
        expectError(res, 401, 'unauthorized');
      }
    });

    it('refuses writes without a token and changes nothing', async () => {
      const res = await admin.call(
        'POST',
        '/v1/customers',
        { name: 'Sneaky' },
        { authorization: '' },
      );
      expectError(res, 401, 'unauthorized');
      const list = await admin.call('GET', '/v1/customers?limit=100');
      expect(list.json.items.some((c: { name: string }) => c.name === 'Sneaky')).toBe(false);
    });
  });

  describe('not found', () => {
    it('answers unknown routes with 404 not_found', async () => {
      expectError(await admin.call('GET', '/v1/nothing'), 404, 'not_found');
    });

    it('answers unknown customers, keys and plans with their own codes', async () => {
      expectError(
        await admin.call('GET', '/v1/customers/cus_00000000000000000000'),
        404,
        'customer_not_found',
      );
      expectError(await admin.call('GET', "/v1/customers/x' OR '1'='1"), 404, 'customer_not_found');
      expectError(
        await admin.call('PATCH', '/v1/customers/cus_00000000000000000000', { plan: 'pro' }),
        404,
        'customer_not_found',
      );
      expectError(
        await admin.call('POST', '/v1/customers/cus_00000000000000000000/disable'),
        404,
        'customer_not_found',
      );
      expectError(
        await admin.call('POST', '/v1/customers/cus_00000000000000000000/keys', {}),
        404,
        'customer_not_found',
      );
      expectError(
        await admin.call('GET', '/v1/customers/cus_00000000000000000000/keys'),
        404,
        'customer_not_found',
      );
      expectError(await admin.call('GET', '/v1/keys/0000000000000000'), 404, 'key_not_found');
      expectError(await admin.call('DELETE', '/v1/keys/0000000000000000'), 404, 'key_not_found');
      expectError(await admin.call('DELETE', '/v1/keys/not-a-key-id'), 404, 'key_not_found');
      expectError(
        await admin.call('POST', '/v1/keys/0000000000000000/rotate', {}),
        404,
        'key_not_found',
      );
      expectError(await admin.call('GET', '/v1/plans/platinum'), 404, 'plan_not_found');
      expectError(await admin.call('GET', '/v1/plans/%00'), 404, 'plan_not_found');
      expectError(await admin.call('GET', '/v1/customers/%00'), 404, 'customer_not_found');
      expectError(await admin.call('GET', '/v1/keys/%00'), 404, 'key_not_found');
    });

    it('refuses a customer or plan change to a plan that does not exist', async () => {
      expectError(
        await admin.call('POST', '/v1/customers', { name: 'X', plan: 'platinum' }),
        404,
        'plan_not_found',
        'plan',
      );
      expectError(
        await admin.call('PATCH', `/v1/customers/${customerId}`, { plan: 'platinum' }),
        404,
        'plan_not_found',
        'plan',
      );
      expect((await admin.call('GET', `/v1/customers/${customerId}`)).json.plan).toBe('free');
    });
  });

  describe('bodies', () => {
    it('answers a wrong method with 405 and Allow', async () => {
      const res = await admin.call('PUT', '/v1/customers');
      expectError(res, 405, 'method_not_allowed');
      expect(res.headers.get('allow')).toBe('GET, POST, OPTIONS');
      expect((await admin.call('GET', '/v1/keys/0000000000000000/rotate')).status).toBe(405);
    });

    it('refuses a non-JSON body with 415, broken JSON with 400 and a huge body with 413', async () => {
      expectError(
        await admin.call('POST', '/v1/customers', 'name=x', { 'content-type': 'text/plain' }),
        415,
        'unsupported_media_type',
      );
      expectError(await admin.call('POST', '/v1/customers', '{"name": '), 400, 'invalid_json');
      expectError(
        await admin.call('POST', '/v1/customers', { name: 'x'.repeat(100_000) }),
        413,
        'payload_too_large',
      );
    });
  });

  describe('validation', () => {
    const cases: [string, string, unknown, string][] = [
      ['POST', '/v1/customers', { name: 42 }, 'name'],
      ['POST', '/v1/customers', {}, 'name'],
      ['POST', '/v1/customers', { name: '' }, 'name'],
      ['POST', '/v1/customers', { name: '   ' }, 'name'],
      ['POST', '/v1/customers', { name: 'x'.repeat(201) }, 'name'],
      ['POST', '/v1/customers', { name: 'bell\u0007' }, 'name'],
      ['POST', '/v1/customers', { name: 'ok', plan: 'Not A Plan' }, 'plan'],
      ['POST', '/v1/customers', { name: 'ok', admin: true }, 'admin'],
      ['POST', '/v1/customers', [], ''],
      ['POST', '/v1/customers', 'null', ''],
      [
        'POST',
        '/v1/plans',
        { name: 'p1', requests_per_minute: '60', burst: 1 },
        'requests_per_minute',
      ],
      ['POST', '/v1/plans', { name: 'p1', requests_per_minute: 60, burst: 0 }, 'burst'],
      [
        'POST',
        '/v1/plans',
        { name: 'p1', requests_per_minute: 1.5, burst: 1 },
        'requests_per_minute',
      ],
      [
        'POST',
        '/v1/plans',
        { name: 'p1', requests_per_minute: 60, burst: 1, daily_quota: -1 },
        'daily_quota',
      ],
      ['POST', '/v1/plans', { name: "p'; DROP", requests_per_minute: 60, burst: 1 }, 'name'],
    ];
    it.each(cases)('%s %s %j → 422 on %s', async (method, path, body, field) => {
      const res = await admin.call(method, path, body);
      expectError(res, 422, 'validation_failed');
      if (field) expect(res.json.error.field).toBe(field);
      else expect(res.json.error.field).toBeUndefined();
      expect(res.json.error.details).toEqual(expect.any(Array));
    });

    it('validates key creation fields', async () => {
      const path = `/v1/customers/${customerId}/keys`;
      for (const [body, field] of [
        [{ scopes: 'orders:read' }, 'scopes'],
        [{ scopes: ['has space'] }, 'scopes.0'],
        [{ scopes: Array.from({ length: 51 }, (_, i) => `s${i}`) }, 'scopes'],
        [{ name: 7 }, 'name'],
        [{ expires_at: 'tomorrow' }, 'expires_at'],
        [{ expires_at: '2020-01-01T00:00:00Z' }, 'expires_at'],
        [{ expires_at: 1893456000 }, 'expires_at'],
        [{ secret: 'choose-my-own' }, 'secret'],
      ] as const) {
        const res = await admin.call('POST', path, body);
        expectError(res, 422, 'validation_failed', field);
      }
      const list = await admin.call('GET', path);
      expect(list.json.items).toEqual([]);
    });

    it('validates rotation fields and changes nothing on failure', async () => {
      const key = await admin.call('POST', `/v1/customers/${customerId}/keys`, {});
      const path = `/v1/keys/${key.json.key_id}/rotate`;
      for (const [body, field] of [
        [{ grace_seconds: -1 }, 'grace_seconds'],
        [{ grace_seconds: '60' }, 'grace_seconds'],
        [{ grace_seconds: 1.5 }, 'grace_seconds'],
        [{ grace_seconds: 31 * 24 * 3600 }, 'grace_seconds'],
      ] as const) {
        expectError(await admin.call('POST', path, body), 422, 'validation_failed', field);
      }
      const after = await admin.call('GET', `/v1/keys/${key.json.key_id}`);
      expect(after.json.expires_at).toBeNull();
      expect(admin.cache.verify(key.json.secret).ok).toBe(true);
    });

    it('validates list queries and cursors', async () => {
      for (const [query, field] of [
        ['limit=0', 'limit'],
        ['limit=101', 'limit'],
        ['limit=abc', 'limit'],
        ['cursor=garbage', 'cursor'],
        [`cursor=${Buffer.from('s:-1').toString('base64url')}`, 'cursor'],
      ]) {
        expectError(
          await admin.call('GET', `/v1/customers?${query}`),
          422,
          'validation_failed',
          field,
        );
      }
    });

    it('refuses an empty customer update', async () => {
      expectError(
        await admin.call('PATCH', `/v1/customers/${customerId}`, {}),
        422,
        'validation_failed',
      );
    });

    it('never echoes the rejected value back', async () => {
      const marker = '<script>alert(1)</script>';
      const res = await admin.call('POST', '/v1/plans', {
        name: marker,
        requests_per_minute: 1,
        burst: 1,
      });
      expect(res.status).toBe(422);
      expect(res.text).not.toContain(marker);
    });
  });

  describe('conflicts', () => {
    it('refuses a plan whose name exists (409) and keeps the original', async () => {
      const res = await admin.call('POST', '/v1/plans', {
        name: 'free',
        requests_per_minute: 1_000_000,
        burst: 1,
      });
      expectError(res, 409, 'plan_exists', 'name');
      const free = await admin.call('GET', '/v1/plans/free');
      expect(free.json.requests_per_minute).toBe(60);
    });

    it('refuses keys for a disabled customer (409)', async () => {
      const customer = (await admin.call('POST', '/v1/customers', { name: 'Off' })).json;
      const key = await admin.call('POST', `/v1/customers/${customer.id}/keys`, {});
      await admin.call('POST', `/v1/customers/${customer.id}/disable`);
      expectError(
        await admin.call('POST', `/v1/customers/${customer.id}/keys`, {}),
        409,
        'customer_disabled',
      );
      expectError(
        await admin.call('POST', `/v1/keys/${key.json.key_id}/rotate`, {}),
        409,
        'customer_disabled',
      );
    });

    it('refuses to rotate a revoked or expired key (409)', async () => {
      const revoked = await admin.call('POST', `/v1/customers/${customerId}/keys`, {});
      await admin.call('DELETE', `/v1/keys/${revoked.json.key_id}`);
      expectError(
        await admin.call('POST', `/v1/keys/${revoked.json.key_id}/rotate`, {}),
        409,
        'key_revoked',
      );
      const old = await admin.call('POST', `/v1/customers/${customerId}/keys`, {});
      await admin.call('POST', `/v1/keys/${old.json.key_id}/rotate`, { grace_seconds: 0 });
      expectError(
        await admin.call('POST', `/v1/keys/${old.json.key_id}/rotate`, {}),
        409,
        'key_expired',
      );
    });
  });
});

describe('admin API with its database gone', () => {
  const backend = testBackends('admin_down').find((b) => b.name === 'postgres')!;
  let admin: RunningAdmin;
  beforeAll(async () => {
    admin = await startTestAdmin(backend);
  });
  afterAll(async () => {
    admin.cache.stop();
    await backend.cleanup();
  });

  it('answers 503 service_unavailable with Retry-After, not a 500', async () => {
    await admin.store.close();
    const res = await admin.call('GET', '/v1/customers');
    expectError(res, 503, 'service_unavailable');
    expect(res.headers.get('retry-after')).toBe('1');
    // The cache keeps serving: the request path does not depend on the database.
    expect(admin.cache.stats().lastRefreshAt).toBeGreaterThan(0);
  });
});
