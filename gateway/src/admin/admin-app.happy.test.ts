import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '../store/testing.js';
import { type RunningAdmin, startTestAdmin } from './testing.js';

/** Polls until `check` holds, failing after `timeoutMs` (no fixed sleeps). */
async function eventually(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe.each(testBackends('admin_happy'))('admin API on $name', (backend) => {
  let admin: RunningAdmin;
  beforeAll(async () => {
    admin = await startTestAdmin(backend);
  });
  afterAll(async () => {
    await admin?.close();
    await backend.cleanup();
  });

  async function newCustomer(body: Record<string, unknown> = { name: 'Acme' }) {
    const res = await admin.call('POST', '/v1/customers', body);
    expect(res.status).toBe(201);
    return res.json as { id: string; plan: string };
  }

  it('creates a customer on the free plan by default and reads it back', async () => {
    const res = await admin.call('POST', '/v1/customers', { name: 'Acme' });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ name: 'Acme', plan: 'free', status: 'active' });
    expect(res.json.id).toMatch(/^cus_/);
    expect(res.headers.get('location')).toBe(`/v1/customers/${res.json.id}`);
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
    const got = await admin.call('GET', `/v1/customers/${res.json.id}`);
    expect(got.status).toBe(200);
    expect(got.json).toEqual(res.json);
  });

  it('pages through customers with limit and an opaque cursor', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await newCustomer({ name: `p${i}`, plan: 'pro' })).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const page = await admin.call('GET', `/v1/customers${query}`);
      expect(page.status).toBe(200);
      expect(page.json.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.json.items.map((c: { id: string }) => c.id));
      expect(page.json.has_more).toBe(page.json.next_cursor !== null);
      cursor = page.json.next_cursor;
    } while (cursor);
    expect(seen.filter((id) => ids.includes(id))).toEqual(ids);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('changes a customer plan and name, and the key cache follows at once', async () => {
    const customer = await newCustomer();
    const res = await admin.call('PATCH', `/v1/customers/${customer.id}`, { plan: 'pro' });
    expect(res.status).toBe(200);
    expect(res.json.plan).toBe('pro');
    expect(admin.cache.planFor(customer.id)?.name).toBe('pro');
    const renamed = await admin.call('PATCH', `/v1/customers/${customer.id}`, { name: 'Acme 2' });
    expect(renamed.json).toMatchObject({ name: 'Acme 2', plan: 'pro' });
  });

  it('disables and enables a customer; a disabled customer keys are refused', async () => {
    const customer = await newCustomer();
    const key = await admin.call('POST', `/v1/customers/${customer.id}/keys`, {});
    expect(admin.cache.verify(key.json.secret).ok).toBe(true);
    const disabled = await admin.call('POST', `/v1/customers/${customer.id}/disable`);
    expect(disabled.status).toBe(200);
    expect(disabled.json.status).toBe('disabled');
    expect(disabled.json.disabled_at).not.toBeNull();
    expect(admin.cache.verify(key.json.secret)).toEqual({
      ok: false,
      reason: 'customer_disabled',
    });
    const again = await admin.call('POST', `/v1/customers/${customer.id}/disable`);
    expect(again.json.disabled_at).toBe(disabled.json.disabled_at);
    const enabled = await admin.call('POST', `/v1/customers/${customer.id}/enable`);
    expect(enabled.json).toMatchObject({ status: 'active', disabled_at: null });
    expect(admin.cache.verify(key.json.secret).ok).toBe(true);
  });

  it('creates a key whose secret is returned once and works in the key cache', async () => {
    const customer = await newCustomer();
    const res = await admin.call('POST', `/v1/customers/${customer.id}/keys`, {
      name: 'ci',
      scopes: ['orders:read', 'orders:write'],
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.json).toMatchObject({
      customer_id: customer.id,
      name: 'ci',
      scopes: ['orders:read', 'orders:write'],
      status: 'active',
      expires_at: null,
      revoked_at: null,
      rotated_from: null,
    });
    expect(res.json.prefix).toBe(`gh_live_${res.json.key_id}`);
    expect(res.json.secret.startsWith(`${res.json.prefix}_`)).toBe(true);
    expect(res.json.created_at).toEqual(expect.any(String));
    expect(res.headers.get('location')).toBe(`/v1/keys/${res.json.key_id}`);
    const check = admin.cache.verify(res.json.secret);
    expect(check).toMatchObject({
      ok: true,
      key: { keyId: res.json.key_id, customerId: customer.id, plan: { name: 'free' } },
    });

    const list = await admin.call('GET', `/v1/customers/${customer.id}/keys`);
    expect(list.status).toBe(200);
    expect(list.json.items).toHaveLength(1);
    const { secret: _secret, ...withoutSecret } = res.json;
    expect(list.json.items[0]).toEqual(withoutSecret);
    const one = await admin.call('GET', `/v1/keys/${res.json.key_id}`);
    expect(one.json).toEqual(withoutSecret);
  });

  it('revokes a key (204, idempotent) and the cache refuses it', async () => {
    const customer = await newCustomer();
    const key = await admin.call('POST', `/v1/customers/${customer.id}/keys`, {});
    const revoked = await admin.call('DELETE', `/v1/keys/${key.json.key_id}`);
    expect(revoked.status).toBe(204);
    expect(revoked.text).toBe('');
    expect(admin.cache.verify(key.json.secret)).toEqual({ ok: false, reason: 'revoked' });
    expect((await admin.call('DELETE', `/v1/keys/${key.json.key_id}`)).status).toBe(204);
    const got = await admin.call('GET', `/v1/keys/${key.json.key_id}`);
    expect(got.json.status).toBe('revoked');
    expect(got.json.revoked_at).toEqual(expect.any(String));
  });

  it('rotates a key: a new key now, the old one valid for the default 24 h grace', async () => {
    const customer = await newCustomer();
    const old = await admin.call('POST', `/v1/customers/${customer.id}/keys`, {
      name: 'deploy',
      scopes: ['orders:read'],
    });
    const before = Date.now();
    const rotated = await admin.call('POST', `/v1/keys/${old.json.key_id}/rotate`);
    expect(rotated.status).toBe(201);
    expect(rotated.json).toMatchObject({
      rotated_from: old.json.key_id,
      name: 'deploy',
      scopes: ['orders:read'],
      status: 'active',
      previous_key: { key_id: old.json.key_id },
    });
    expect(rotated.json.secret).not.toBe(old.json.secret);
    const graceEnd = Date.parse(rotated.json.previous_key.expires_at);
    expect(graceEnd).toBeGreaterThan(before + 86_400_000 - 60_000);
    expect(graceEnd).toBeLessThan(Date.now() + 86_400_000 + 60_000);
    expect(admin.cache.verify(old.json.secret).ok).toBe(true);
    expect(admin.cache.verify(rotated.json.secret).ok).toBe(true);
    const oldNow = await admin.call('GET', `/v1/keys/${old.json.key_id}`);
    expect(oldNow.json.expires_at).toBe(rotated.json.previous_key.expires_at);
  });

  it('rotates with grace_seconds 0: the old key stops at once', async () => {
    const customer = await newCustomer();
    const old = await admin.call('POST', `/v1/customers/${customer.id}/keys`, {});
    const rotated = await admin.call('POST', `/v1/keys/${old.json.key_id}/rotate`, {
      grace_seconds: 0,
    });
    expect(rotated.status).toBe(201);
    expect(admin.cache.verify(old.json.secret)).toEqual({ ok: false, reason: 'expired' });
    expect(admin.cache.verify(rotated.json.secret).ok).toBe(true);
    expect((await admin.call('GET', `/v1/keys/${old.json.key_id}`)).json.status).toBe('expired');
  });

  it('honours a key expiry: valid before, refused after', async () => {
    const customer = await newCustomer();
    const expiresAt = new Date(Date.now() + 4000).toISOString();
    const key = await admin.call('POST', `/v1/customers/${customer.id}/keys`, {
      expires_at: expiresAt,
    });
    expect(key.status).toBe(201);
    expect(Date.parse(key.json.expires_at)).toBe(Date.parse(expiresAt));
    // Checked only while clearly before the expiry, so a slow machine cannot make this flaky.
    if (Date.now() < Date.parse(expiresAt) - 1000) {
      expect(admin.cache.verify(key.json.secret).ok).toBe(true);
    }
    await eventually(() => !admin.cache.verify(key.json.secret).ok);
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(expiresAt));
    expect(admin.cache.verify(key.json.secret)).toEqual({ ok: false, reason: 'expired' });
    expect((await admin.call('GET', `/v1/keys/${key.json.key_id}`)).json.status).toBe('expired');
  });

  it('lists the seeded plans, creates a plan and puts a customer on it', async () => {
    const plans = await admin.call('GET', '/v1/plans');
    expect(plans.status).toBe(200);
    expect(plans.json.items.slice(0, 2)).toMatchObject([
      { name: 'free', requests_per_minute: 60, burst: 20 },
      { name: 'pro', requests_per_minute: 6000, burst: 200 },
    ]);
    expect(plans.json.has_more).toBe(false);
    const created = await admin.call('POST', '/v1/plans', {
      name: 'enterprise',
      requests_per_minute: 60_000,
      burst: 1000,
      requests_per_second: 2000,
      daily_quota: 10_000_000,
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: 'enterprise', requests_per_second: 2000 });
    expect(created.headers.get('location')).toBe('/v1/plans/enterprise');
    expect((await admin.call('GET', '/v1/plans/enterprise')).json).toEqual(created.json);
    const customer = await newCustomer({ name: 'Big', plan: 'enterprise' });
    const key = await admin.call('POST', `/v1/customers/${customer.id}/keys`, {});
    const check = admin.cache.verify(key.json.secret);
    expect(check.ok && check.key.plan).toEqual({
      name: 'enterprise',
      requests_per_minute: 60_000,
      burst: 1000,
      requests_per_second: 2000,
      daily_quota: 10_000_000,
    });
  });

  it('serves an OpenAPI 3.1 document without the operator token', async () => {
    const res = await fetch(`${admin.url}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
      components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/v1/customers',
      '/v1/customers/{id}',
      '/v1/customers/{id}/disable',
      '/v1/customers/{id}/enable',
      '/v1/customers/{id}/keys',
      '/v1/keys/{key_id}',
      '/v1/keys/{key_id}/rotate',
      '/v1/plans',
      '/v1/plans/{name}',
    ]);
    expect(Object.keys(doc.paths['/v1/keys/{key_id}']!)).toEqual(
      expect.arrayContaining(['get', 'delete']),
    );
    expect(doc.components.securitySchemes.operatorToken).toMatchObject({ scheme: 'bearer' });
    expect(doc.components.schemas).toHaveProperty('CreatedApiKey');
    expect(doc.components.schemas).toHaveProperty('Error');
  });
});
