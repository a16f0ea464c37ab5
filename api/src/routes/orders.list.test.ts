import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi, testDatabases, validOrder } from '../../test/harness.js';

describe.each(testDatabases())('listing orders on $name', (kind) => {
  let t: TestApi;
  // The documented order: created_at, then id (bytewise) for orders created in the same ms.
  let ids: string[] = [];
  beforeAll(async () => {
    t = await startTestApi(kind, { customer: 'cus_list' });
    const created: { id: string; created_at: string }[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await t.request('POST', '/v1/orders', { body: validOrder({ notes: `n${i}` }) });
      created.push(res.body);
    }
    created.sort((a, b) =>
      a.created_at === b.created_at ? (a.id < b.id ? -1 : 1) : a.created_at < b.created_at ? -1 : 1,
    );
    ids = created.map((o) => o.id);
    await t.request('PATCH', `/v1/orders/${ids[2]}`, { body: { status: 'paid' } });
    await t.request('PATCH', `/v1/orders/${ids[5]}`, { body: { status: 'paid' } });
    await t.request('POST', '/v1/orders', { body: validOrder(), as: 'cus_someone_else' });
  });
  afterAll(() => t?.close());

  it("defaults to 50 and returns the caller's orders ordered by (created_at, id)", async () => {
    const res = await t.request('GET', '/v1/orders');
    expect(res.status).toBe(200);
    expect(res.body.items.map((o: { id: string }) => o.id)).toEqual(ids);
    expect(res.body.has_more).toBe(false);
    expect(res.body.next_cursor).toBeNull();
  });

  it('pages with an opaque cursor without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = cursor ? `?limit=3&cursor=${encodeURIComponent(cursor)}` : '?limit=3';
      const res = await t.request('GET', `/v1/orders${q}`);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...res.body.items.map((o: { id: string }) => o.id));
      cursor = res.body.next_cursor;
      expect(res.body.has_more).toBe(cursor !== null);
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(ids);
  });

  it('filters by status', async () => {
    const res = await t.request('GET', '/v1/orders?status=paid');
    expect(res.body.items.map((o: { id: string }) => o.id)).toEqual([ids[2], ids[5]]);
    expect(res.body.items.every((o: { status: string }) => o.status === 'paid')).toBe(true);
  });

  it('filters by created_after and created_before (exclusive)', async () => {
    const all = (await t.request('GET', '/v1/orders')).body.items as {
      id: string;
      created_at: string;
    }[];
    const pivot = all[3]!.created_at;
    const after = await t.request('GET', `/v1/orders?created_after=${encodeURIComponent(pivot)}`);
    for (const o of after.body.items) expect(o.created_at > pivot).toBe(true);
    const before = await t.request('GET', `/v1/orders?created_before=${encodeURIComponent(pivot)}`);
    for (const o of before.body.items) expect(o.created_at < pivot).toBe(true);
    expect(after.body.items.length + before.body.items.length).toBe(
      all.filter((o) => o.created_at !== pivot).length,
    );
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=101', 'limit'],
    ['status=lost', 'status'],
    ['created_after=yesterday', 'created_after'],
    ['cursor=not-a-cursor', 'cursor'],
    ['unknown=1', 'unknown'],
  ])('answers ?%s with 422 field %s', async (query, field) => {
    const res = await t.request('GET', `/v1/orders?${query}`);
    expect(res.status).toBe(422);
    expect(res.body.error.field).toBe(field);
  });
});
