import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestPostgres } from '../db/test-databases.js';
import { claimKey, purgeExpiredKeys } from '../orders/idempotency-store.js';
import { requestHash } from '../orders/idempotency.js';
import { startTestApi, type TestApi, testDatabases, validOrder } from '../../test/harness.js';

describe.each(testDatabases())('Idempotency-Key on $name', (kind) => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi(kind, { customer: 'cus_idem' });
  });
  afterAll(() => t?.close());

  const count = async (customer = 'cus_idem') =>
    (
      await t.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM orders WHERE customer_id = $1',
        [customer],
      )
    ).rows[0]!.n;

  it('replays the stored response exactly for the same key and body', async () => {
    const before = await count();
    const headers = { 'idempotency-key': 'key-replay' };
    const first = await t.request('POST', '/v1/orders', { body: validOrder(), headers });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    // Same JSON with another key order and spacing is the same body.
    const reordered = JSON.stringify(
      { currency: 'EUR', notes: 'leave at the door', items: validOrder().items },
      null,
      2,
    );
    const again = await t.request('POST', '/v1/orders', {
      raw: reordered,
      contentType: 'application/json',
      headers,
    });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.text).toBe(first.text);
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(await count()).toBe(before + 1);
  });

  it('answers 422 idempotency_key_reused for the same key with another body', async () => {
    const headers = { 'idempotency-key': 'key-reused' };
    expect((await t.request('POST', '/v1/orders', { body: validOrder(), headers })).status).toBe(
      201,
    );
    const other = await t.request('POST', '/v1/orders', {
      body: validOrder({ notes: 'different' }),
      headers,
    });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('idempotency_key_reused');
  });

  it('keeps keys per customer', async () => {
    const headers = { 'idempotency-key': 'key-shared' };
    const mine = await t.request('POST', '/v1/orders', { body: validOrder(), headers });
    const theirs = await t.request('POST', '/v1/orders', {
      body: validOrder(),
      headers,
      as: 'cus_idem_other',
    });
    expect(theirs.status).toBe(201);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect(theirs.body.customer_id).toBe('cus_idem_other');
  });

  it('answers 409 idempotency_key_in_use while the first request is still running', async () => {
    const body = validOrder();
    // The first request holds its claim (as if still executing).
    await claimKey(t.db, 'cus_idem', 'key-running', requestHash('POST', '/v1/orders', body));
    const res = await t.request('POST', '/v1/orders', {
      body,
      headers: { 'idempotency-key': 'key-running' },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('idempotency_key_in_use');
    expect(res.headers.get('retry-after')).toBe('1');
  });

  it('frees the key when the request fails, so a corrected retry succeeds', async () => {
    const headers = { 'idempotency-key': 'key-fix' };
    const bad = await t.request('POST', '/v1/orders', { body: { currency: 'EUR' }, headers });
    expect(bad.status).toBe(422);
    const good = await t.request('POST', '/v1/orders', { body: validOrder(), headers });
    expect(good.status).toBe(201);
  });

  it('rejects an unusable key with 422 field Idempotency-Key', async () => {
    const res = await t.request('POST', '/v1/orders', {
      body: validOrder(),
      headers: { 'idempotency-key': 'a'.repeat(256) },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.field).toBe('Idempotency-Key');
  });

  it('purges records after 24 h, after which the key is free again', async () => {
    const headers = { 'idempotency-key': 'key-old' };
    expect((await t.request('POST', '/v1/orders', { body: validOrder(), headers })).status).toBe(
      201,
    );
    expect(await purgeExpiredKeys(t.db)).toBe(0);
    await t.db.query(
      `UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE idempotency_key = 'key-old'`,
    );
    // Even before the purge runs, an expired record no longer counts.
    const reuse = await t.request('POST', '/v1/orders', {
      body: validOrder({ notes: 'new' }),
      headers,
    });
    expect(reuse.status).toBe(201);
    await t.db.query(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours'`);
    expect(await purgeExpiredKeys(t.db)).toBeGreaterThan(0);
    const left = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM idempotency_keys');
    expect(left.rows[0]!.n).toBe(0);
  });

  it('creates exactly one order for concurrent POSTs with one key', async () => {
    const customer = `cus_race_${kind.name}`;
    const headers = { 'idempotency-key': 'key-race' };
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        t.request('POST', '/v1/orders', { body: validOrder(), headers, as: customer }),
      ),
    );
    const statuses = results.map((r) => r.status);
    for (const s of statuses) expect([201, 409]).toContain(s);
    const fresh = results.filter(
      (r) => r.status === 201 && r.headers.get('idempotent-replayed') === null,
    );
    expect(fresh).toHaveLength(1);
    for (const r of results.filter((x) => x.status === 201))
      expect(r.body.id).toBe(fresh[0]!.body.id);
    expect(await count(customer)).toBe(1);
  });

  it('lets a retry take over a claim abandoned by a crashed request after 60 s', async () => {
    const body = validOrder({ notes: 'crashed' });
    await claimKey(t.db, 'cus_idem', 'key-crashed', requestHash('POST', '/v1/orders', body));
    await t.db.query(
      `UPDATE idempotency_keys SET locked_at = now() - interval '61 seconds' WHERE idempotency_key = 'key-crashed'`,
    );
    const res = await t.request('POST', '/v1/orders', {
      body,
      headers: { 'idempotency-key': 'key-crashed' },
    });
    expect(res.status).toBe(201);
  });
});

describe('Idempotency-Key across two api instances on one PostgreSQL', () => {
  it('creates exactly one order when concurrent POSTs with one key hit both instances', async () => {
    const kind = testDatabases().find((k) => k.name === 'postgres')!;
    const a = await startTestApi(kind, { customer: 'cus_two' });
    const schema = (await a.db.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s;
    const otherDb = await openTestPostgres({ schema, migrate: false });
    const b = await startTestApi(kind, { customer: 'cus_two', db: otherDb });
    try {
      for (const round of [1, 2, 3]) {
        const headers = { 'idempotency-key': `two-${round}` };
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            (i % 2 === 0 ? a : b).request('POST', '/v1/orders', {
              body: validOrder({ notes: `r${round}` }),
              headers,
            }),
          ),
        );
        for (const r of results) expect([201, 409]).toContain(r.status);
        const ids = new Set(results.filter((r) => r.status === 201).map((r) => r.body.id));
        expect(ids.size).toBe(1);
      }
      const n = await a.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM orders WHERE customer_id = 'cus_two'`,
      );
      expect(n.rows[0]!.n).toBe(3);
    } finally {
      await b.close();
      await otherDb.close();
      await a.close();
    }
  });
});
