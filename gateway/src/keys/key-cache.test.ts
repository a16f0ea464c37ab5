import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayStore } from '../store/gateway-store.js';
import { testBackends, uniqueSchema } from '../store/testing.js';
import { formatApiKey, generateApiKey, parseApiKey } from './api-key.js';
import { createKeyCache, type KeyCache, type KeyData, type KeyStore } from './key-cache.js';

/** Polls until `check` holds, failing after `timeoutMs` (no fixed sleeps). */
async function eventually(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const FREE = { name: 'free', requests_per_minute: 60, burst: 20 };

/** A hand-fed store for the pure cache logic: each read returns the next queued answer. */
function scriptedStore(answers: KeyData[]): KeyStore & { reads: (string | undefined)[] } {
  const reads: (string | undefined)[] = [];
  return {
    reads,
    async readKeyData(cursor?: string) {
      reads.push(cursor);
      const next = answers.shift();
      if (!next) throw new Error('store unavailable');
      return next;
    },
  };
}

describe('key cache logic', () => {
  const good = generateApiKey();
  const goodSecret = parseApiKey(good.key)!.secret;
  // The key with its last checksum character changed (to a different one: a random checksum
  // that already ends in the replacement would be the good key itself, 1 run in 62).
  const badChecksum = `${good.key.slice(0, -1)}${good.key.endsWith('x') ? 'y' : 'x'}`;
  const snapshot = (overrides: Partial<KeyData['keys'][number]> = {}): KeyData => ({
    full: true,
    cursor: '1',
    plans: [FREE],
    customers: [{ id: 'cus_a', plan: 'free', disabled: false }],
    keys: [
      {
        keyId: good.keyId,
        customerId: 'cus_a',
        hash: good.hash,
        scopes: ['orders:read'],
        expiresAt: null,
        revokedAt: null,
        ...overrides,
      },
    ],
  });

  it('accepts a stored key and returns its customer, plan and scopes', async () => {
    const cache = createKeyCache(scriptedStore([snapshot()]), { refreshMs: 60_000 });
    await cache.start();
    cache.stop();
    expect(cache.verify(good.key)).toEqual({
      ok: true,
      key: {
        keyId: good.keyId,
        customerId: 'cus_a',
        scopes: ['orders:read'],
        plan: { ...FREE, requests_per_second: null, daily_quota: null },
      },
    });
    expect(cache.planFor('cus_a')?.name).toBe('free');
    expect(cache.customerStatus('cus_a')).toBe('active');
    expect(cache.planFor('cus_other')).toBeUndefined();
    expect(cache.customerStatus('cus_other')).toBe('unknown');
  });

  it('calls garbage malformed and a well-formed key with a wrong secret unknown', async () => {
    const cache = createKeyCache(scriptedStore([snapshot()]), { refreshMs: 60_000 });
    await cache.start();
    cache.stop();
    expect(cache.verify('')).toEqual({ ok: false, reason: 'malformed' });
    expect(cache.verify('Bearer abc')).toEqual({ ok: false, reason: 'malformed' });
    expect(cache.verify(badChecksum)).toEqual({ ok: false, reason: 'malformed' });
    const otherSecret = generateApiKey().key.split('_')[3]!;
    expect(cache.verify(formatApiKey(good.keyId, otherSecret))).toEqual({
      ok: false,
      reason: 'unknown',
    });
    expect(cache.verify(generateApiKey().key)).toEqual({ ok: false, reason: 'unknown' });
    expect(cache.verify(formatApiKey(good.keyId, goodSecret)).ok).toBe(true);
  });

  it('refuses a wrong secret for a key id whose right key was just accepted', async () => {
    const cache = createKeyCache(scriptedStore([snapshot()]), { refreshMs: 60_000 });
    await cache.start();
    cache.stop();
    expect(cache.verify(good.key).ok).toBe(true);
    const otherSecret = generateApiKey().key.split('_')[3]!;
    // Same id, same length, valid checksum: only the secret differs.
    expect(cache.verify(formatApiKey(good.keyId, otherSecret))).toEqual({
      ok: false,
      reason: 'unknown',
    });
    expect(cache.verify(badChecksum)).toEqual({ ok: false, reason: 'malformed' });
    expect(cache.verify(good.key).ok).toBe(true);
  });

  it('refuses an accepted key once a refresh brings a new hash for its id', async () => {
    const rotated = generateApiKey();
    const rotatedKey = formatApiKey(good.keyId, parseApiKey(rotated.key)!.secret);
    const cache = createKeyCache(
      scriptedStore([snapshot(), { ...snapshot({ hash: rotated.hash }), full: false }]),
      { refreshMs: 60_000, fullReloadMs: 60_000 },
    );
    await cache.start();
    cache.stop();
    expect(cache.verify(good.key).ok).toBe(true);
    await cache.refresh();
    expect(cache.verify(good.key)).toEqual({ ok: false, reason: 'unknown' });
    expect(cache.verify(rotatedKey).ok).toBe(true);
  });

  it('refuses an accepted key once a refresh says it is revoked', async () => {
    const cache = createKeyCache(
      scriptedStore([snapshot(), { ...snapshot({ revokedAt: 5 }), full: false }]),
      { refreshMs: 60_000, fullReloadMs: 60_000 },
    );
    await cache.start();
    cache.stop();
    expect(cache.verify(good.key).ok).toBe(true);
    await cache.refresh();
    expect(cache.verify(good.key)).toEqual({ ok: false, reason: 'revoked' });
  });

  it('refuses revoked keys, expired keys (by the clock) and disabled customers', async () => {
    let now = 1_000;
    const revoked = createKeyCache(scriptedStore([snapshot({ revokedAt: 500 })]), {
      refreshMs: 60_000,
    });
    await revoked.start();
    revoked.stop();
    expect(revoked.verify(good.key)).toEqual({ ok: false, reason: 'revoked' });

    const expiring = createKeyCache(scriptedStore([snapshot({ expiresAt: 2_000 })]), {
      refreshMs: 60_000,
      now: () => now,
    });
    await expiring.start();
    expiring.stop();
    expect(expiring.verify(good.key).ok).toBe(true);
    now = 2_000;
    expect(expiring.verify(good.key)).toEqual({ ok: false, reason: 'expired' });

    const disabledData = snapshot();
    disabledData.customers = [{ id: 'cus_a', plan: 'free', disabled: true }];
    const disabled = createKeyCache(scriptedStore([disabledData]), { refreshMs: 60_000 });
    await disabled.start();
    disabled.stop();
    expect(disabled.verify(good.key)).toEqual({ ok: false, reason: 'customer_disabled' });
    expect(disabled.planFor('cus_a')).toBeUndefined();
    expect(disabled.customerStatus('cus_a')).toBe('disabled');
  });

  it('merges incremental changes and replaces everything on a full read', async () => {
    const store = scriptedStore([
      snapshot(),
      { full: false, cursor: '2', plans: [], customers: [], keys: [] },
      {
        full: false,
        cursor: '3',
        plans: [{ ...FREE, requests_per_minute: 5 }],
        customers: [],
        keys: [],
      },
      { ...snapshot(), keys: [] },
    ]);
    const cache = createKeyCache(store, { refreshMs: 60_000, fullReloadMs: 60_000 });
    await cache.start();
    cache.stop();
    await cache.refresh();
    expect(cache.verify(good.key).ok).toBe(true);
    await cache.refresh();
    expect(cache.planFor('cus_a')?.requests_per_minute).toBe(5);
    // A key verified before the plan changed answers with the new plan.
    const after = cache.verify(good.key);
    expect(after.ok && after.key.plan.requests_per_minute).toBe(5);
    expect(store.reads).toEqual([undefined, '1', '2']);
    // Force a full read: a key missing from it is forgotten.
    const full = createKeyCache(scriptedStore([snapshot(), { ...snapshot(), keys: [] }]), {
      refreshMs: 60_000,
      fullReloadMs: 0,
    });
    await full.start();
    full.stop();
    await full.refresh();
    expect(full.verify(good.key)).toEqual({ ok: false, reason: 'unknown' });
  });

  it('keeps serving the last data when a refresh fails and reports the failure', async () => {
    const errors: unknown[] = [];
    const cache = createKeyCache(scriptedStore([snapshot()]), {
      refreshMs: 10,
      onError: (e) => errors.push(e),
    });
    await cache.start();
    await eventually(() => errors.length >= 2);
    cache.stop();
    expect(cache.stats().consecutiveFailures).toBeGreaterThanOrEqual(2);
    expect(cache.verify(good.key).ok).toBe(true);
  });

  it('fails to start when the first load fails, and refuses a bad refresh period', async () => {
    await expect(createKeyCache(scriptedStore([]), { refreshMs: 1000 }).start()).rejects.toThrow(
      'store unavailable',
    );
    expect(() => createKeyCache(scriptedStore([]), { refreshMs: 0 })).toThrow(/refreshMs/);
  });
});

describe.each(testBackends('cache'))('key cache on $name', (backend) => {
  let store: GatewayStore;
  let customerId: string;
  const caches: KeyCache[] = [];
  beforeAll(async () => {
    store = await backend.open();
    customerId = (await store.createCustomer({ name: 'Cached', plan: 'pro' }))!.id;
  });
  afterAll(async () => {
    for (const cache of caches) cache.stop();
    await store?.close();
    await backend.cleanup();
  });

  async function startCache(source: KeyStore = store): Promise<KeyCache> {
    const cache = createKeyCache(source, { refreshMs: 100 });
    caches.push(cache);
    await cache.start();
    return cache;
  }

  it('picks up new keys, revocation, disabling and plan changes in the background', async () => {
    const cache = await startCache();
    const { record, key } = await store.createApiKey({ customerId, scopes: ['x'] });
    await eventually(() => cache.verify(key).ok);
    const ok = cache.verify(key);
    expect(ok.ok && ok.key.plan.name).toBe('pro');

    await store.updateCustomer(customerId, { plan: 'free' });
    await eventually(() => cache.planFor(customerId)?.name === 'free');
    const moved = cache.verify(key);
    expect(moved.ok && moved.key.plan.name).toBe('free');

    await store.setCustomerDisabled(customerId, true);
    await eventually(() => !cache.verify(key).ok);
    expect(cache.verify(key)).toEqual({ ok: false, reason: 'customer_disabled' });
    await store.setCustomerDisabled(customerId, false);
    await eventually(() => cache.verify(key).ok);

    await store.revokeApiKey(record.key_id);
    await eventually(() => !cache.verify(key).ok);
    expect(cache.verify(key)).toEqual({ ok: false, reason: 'revoked' });
  });

  it('keeps a rotated key working during the grace period and refuses it after', async () => {
    const cache = await startCache();
    const old = await store.createApiKey({ customerId });
    const rotated = await store.rotateApiKey(old.record.key_id, 3600);
    if (!rotated.ok) throw new Error(rotated.reason);
    await eventually(() => cache.verify(rotated.created.key).ok);
    expect(cache.verify(old.key).ok).toBe(true);
    const second = await store.rotateApiKey(rotated.created.record.key_id, 0);
    if (!second.ok) throw new Error(second.reason);
    await eventually(() => !cache.verify(rotated.created.key).ok);
    expect(cache.verify(rotated.created.key)).toEqual({ ok: false, reason: 'expired' });
    expect(cache.verify(second.created.key).ok).toBe(true);
  });
});

describe('revocation across processes (real PostgreSQL)', () => {
  const backend = testBackends('xproc').find((b) => b.name === 'postgres')!;
  const schema = uniqueSchema('xproc');
  let admin: GatewayStore;
  let other: GatewayStore;
  let cache: KeyCache | undefined;
  beforeAll(async () => {
    admin = await backend.open({ schema });
    // A second pool on the same schema stands in for another gateway process.
    other = await backend.open({ schema });
  });
  afterAll(async () => {
    cache?.stop();
    await admin?.close();
    await other?.close();
    await backend.cleanup();
  });

  it('a key revoked through one store is refused by another process cache within seconds', async () => {
    const customer = (await admin.createCustomer({ name: 'Leaky', plan: 'free' }))!;
    const { record, key } = await admin.createApiKey({ customerId: customer.id });
    cache = createKeyCache(other, { refreshMs: 1000 });
    await cache.start();
    expect(cache.verify(key).ok).toBe(true);
    await admin.revokeApiKey(record.key_id);
    // The contract is 5 s; with a 1 s refresh it should take about one interval.
    await eventually(() => !cache!.verify(key).ok, 5_000);
    expect(cache.verify(key)).toEqual({ ok: false, reason: 'revoked' });
  });
});
