import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret, parseApiKey } from '../keys/api-key.js';
import { type GatewayStore, openGatewayStore } from './gateway-store.js';
import { migrate } from './migrate.js';
import { testBackends } from './testing.js';

describe.each(testBackends('store'))('gateway store on $name', (backend) => {
  let store: GatewayStore;
  beforeAll(async () => {
    store = await backend.open();
  });
  afterAll(async () => {
    await store?.close();
    await backend.cleanup();
  });

  it('seeds the free and pro plans', async () => {
    const plans = await store.listPlans();
    expect(plans.map((p) => p.name)).toEqual(['free', 'pro']);
    expect(await store.getPlan('free')).toMatchObject({ requests_per_minute: 60, burst: 20 });
    expect(await store.getPlan('pro')).toMatchObject({ requests_per_minute: 6000, burst: 200 });
  });

  it('applies each migration once', async () => {
    expect(await migrate(store.db, undefined)).toEqual([]);
  });

  it('refuses a second plan with the same name', async () => {
    const plan = { name: 'team', requests_per_minute: 600, burst: 50, daily_quota: 100_000 };
    expect(await store.createPlan(plan)).toMatchObject({ ...plan, requests_per_second: null });
    expect(await store.createPlan({ ...plan, burst: 1 })).toBeUndefined();
    expect((await store.getPlan('team'))?.burst).toBe(50);
  });

  it('creates a customer only on an existing plan', async () => {
    expect(await store.createCustomer({ name: 'Nobody', plan: 'platinum' })).toBeUndefined();
    const customer = await store.createCustomer({ name: 'Acme', plan: 'free' });
    expect(customer).toMatchObject({ name: 'Acme', plan: 'free', disabled_at: null });
    expect(customer?.id).toMatch(/^cus_[0-9A-Za-z]{20}$/);
    expect(await store.getCustomer(customer!.id)).toEqual(customer);
    expect(await store.getCustomer('cus_missing')).toBeUndefined();
  });

  it('stores names with quotes, SQL and unicode literally', async () => {
    const name = `Robert'); DROP TABLE customers;-- 名前 🚀 \\ "x"`;
    const customer = await store.createCustomer({ name, plan: 'pro' });
    expect((await store.getCustomer(customer!.id))?.name).toBe(name);
  });

  it('pages through customers in creation order without repeats', async () => {
    const created: string[] = [];
    for (let i = 0; i < 5; i++) {
      created.push((await store.createCustomer({ name: `page-${i}`, plan: 'free' }))!.id);
    }
    const seen: string[] = [];
    let afterSeq: number | undefined;
    for (;;) {
      const page = await store.listCustomers({ limit: 2, afterSeq });
      seen.push(...page.items.map((c) => c.id));
      if (page.nextSeq === null) break;
      expect(page.items).toHaveLength(2);
      afterSeq = page.nextSeq;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => created.includes(id))).toEqual(created);
  });

  it('disables and enables a customer, keeping the first disabled_at', async () => {
    const customer = (await store.createCustomer({ name: 'Flaky', plan: 'free' }))!;
    const disabled = await store.setCustomerDisabled(customer.id, true);
    expect(disabled?.disabled_at).toBeInstanceOf(Date);
    const again = await store.setCustomerDisabled(customer.id, true);
    expect(again?.disabled_at).toEqual(disabled?.disabled_at);
    expect((await store.setCustomerDisabled(customer.id, false))?.disabled_at).toBeNull();
    expect(await store.setCustomerDisabled('cus_missing', true)).toBeUndefined();
  });

  it('changes plan and name, refusing unknown plans and customers', async () => {
    const customer = (await store.createCustomer({ name: 'Grower', plan: 'free' }))!;
    expect(await store.updateCustomer(customer.id, { plan: 'gold' })).toEqual({
      ok: false,
      reason: 'plan_not_found',
    });
    expect(await store.updateCustomer('cus_missing', { plan: 'pro' })).toEqual({
      ok: false,
      reason: 'customer_not_found',
    });
    const result = await store.updateCustomer(customer.id, { plan: 'pro' });
    expect(result).toMatchObject({ ok: true, customer: { plan: 'pro', name: 'Grower' } });
    const renamed = await store.updateCustomer(customer.id, { name: 'Grown' });
    expect(renamed).toMatchObject({ ok: true, customer: { plan: 'pro', name: 'Grown' } });
  });

  it('stores only the SHA-256 of a key secret, never the key', async () => {
    const customer = (await store.createCustomer({ name: 'Keyed', plan: 'free' }))!;
    const { record, key } = await store.createApiKey({
      customerId: customer.id,
      name: 'ci',
      scopes: ['orders:read'],
    });
    const parsed = parseApiKey(key)!;
    expect(parsed.keyId).toBe(record.key_id);
    expect(record).not.toHaveProperty('hash');
    const { rows } = await store.db.query<Record<string, unknown>>(
      'SELECT * FROM api_keys WHERE key_id = $1',
      [record.key_id],
    );
    const stored = JSON.stringify(rows[0]);
    expect(stored).not.toContain(parsed.secret);
    expect(stored).not.toContain(key);
    expect(rows[0]?.hash).toBe(hashSecret(parsed.secret));
  });

  it('lists a customer keys, revokes idempotently and rotates with a bounded grace', async () => {
    const customer = (await store.createCustomer({ name: 'Rotator', plan: 'pro' }))!;
    const a = await store.createApiKey({ customerId: customer.id, scopes: ['a', 'b'] });
    const b = await store.createApiKey({ customerId: customer.id, name: 'second' });
    const page = await store.listApiKeys(customer.id, { limit: 10 });
    expect(page.items.map((k) => k.key_id)).toEqual([a.record.key_id, b.record.key_id]);
    expect(page.nextSeq).toBeNull();

    const revoked = await store.revokeApiKey(b.record.key_id);
    expect(revoked?.revoked_at).toBeInstanceOf(Date);
    expect((await store.revokeApiKey(b.record.key_id))?.revoked_at).toEqual(revoked?.revoked_at);
    expect(await store.revokeApiKey('0000000000000000')).toBeUndefined();
    expect(await store.rotateApiKey(b.record.key_id, 60)).toEqual({
      ok: false,
      reason: 'key_revoked',
    });
    expect(await store.rotateApiKey('0000000000000000', 60)).toEqual({
      ok: false,
      reason: 'key_not_found',
    });

    const before = Date.now();
    const rotated = await store.rotateApiKey(a.record.key_id, 3600);
    if (!rotated.ok) throw new Error(rotated.reason);
    expect(rotated.created.record).toMatchObject({
      customer_id: customer.id,
      scopes: ['a', 'b'],
      rotated_from: a.record.key_id,
      expires_at: null,
    });
    const graceEnd = rotated.previous.expires_at!.getTime();
    // Database clock vs this process's clock: allow a little drift either way.
    expect(graceEnd).toBeGreaterThan(before + 3600_000 - 60_000);
    expect(graceEnd).toBeLessThan(Date.now() + 3600_000 + 60_000);

    // A second rotation never lengthens the old key's life.
    const again = await store.rotateApiKey(a.record.key_id, 7200);
    if (!again.ok) throw new Error(again.reason);
    expect(again.previous.expires_at!.getTime()).toBe(graceEnd);
    // Grace 0 ends the old key now, and then it cannot be rotated again.
    const now = await store.rotateApiKey(rotated.created.record.key_id, 0);
    expect(now.ok).toBe(true);
    expect(await store.rotateApiKey(rotated.created.record.key_id, 0)).toEqual({
      ok: false,
      reason: 'key_expired',
    });
  });

  it('refuses to rotate a key of a disabled customer', async () => {
    const customer = (await store.createCustomer({ name: 'Paused', plan: 'free' }))!;
    const { record } = await store.createApiKey({ customerId: customer.id });
    await store.setCustomerDisabled(customer.id, true);
    expect(await store.rotateApiKey(record.key_id, 10)).toEqual({
      ok: false,
      reason: 'customer_disabled',
    });
  });

  it('reads key data in full, then changes since a cursor', async () => {
    const full = await store.readKeyData();
    expect(full.full).toBe(true);
    expect(full.plans.map((p) => p.name)).toContain('free');
    const customer = (await store.createCustomer({ name: 'Delta', plan: 'free' }))!;
    const { record } = await store.createApiKey({
      customerId: customer.id,
      expiresAt: new Date('2099-01-01T00:00:00Z'),
    });
    expect(full.keys.some((k) => k.keyId === record.key_id)).toBe(false);
    const delta = await store.readKeyData(full.cursor);
    expect(delta.full).toBe(false);
    expect(delta.customers).toContainEqual({ id: customer.id, plan: 'free', disabled: false });
    const key = delta.keys.find((k) => k.keyId === record.key_id);
    expect(key).toMatchObject({
      customerId: customer.id,
      expiresAt: Date.parse('2099-01-01T00:00:00Z'),
      revokedAt: null,
    });
    expect(key?.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe.each(testBackends('store2'))('a second store on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('shares data with another store on the same schema, migrating once', async () => {
    const schema = `gw_shared_${Math.random().toString(36).slice(2, 10)}`;
    // Both at once: on PostgreSQL the advisory lock serialises the migrations.
    const [first, second] =
      backend.name === 'postgres'
        ? await Promise.all([backend.open({ schema }), backend.open({ schema })])
        : [await backend.open({ schema }), undefined];
    try {
      const customer = await first.createCustomer({ name: 'Shared', plan: 'free' });
      if (second) expect((await second.getCustomer(customer!.id))?.name).toBe('Shared');
    } finally {
      await first.close();
      await second?.close();
    }
  });
});

describe('embedded store on disk', () => {
  it('keeps data in <dataDir>/gateway-db across restarts and migrates once', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-gw-store-'));
    try {
      const first = await openGatewayStore({ dataDir });
      const customer = await first.createCustomer({ name: 'Durable', plan: 'pro' });
      await first.close();
      expect((await stat(join(dataDir, 'gateway-db'))).isDirectory()).toBe(true);
      const second = await openGatewayStore({ dataDir });
      try {
        expect((await second.getCustomer(customer!.id))?.name).toBe('Durable');
        expect(await migrate(second.db, undefined)).toEqual([]);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('fails to open with a clear error when PostgreSQL is unreachable', async () => {
    await expect(openGatewayStore({ url: 'postgres://postgres@127.0.0.1:1/test' })).rejects.toThrow(
      /ECONNREFUSED|connect/,
    );
  });
});
