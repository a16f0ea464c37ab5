import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi, testDatabases, validOrder } from '../../test/harness.js';

describe.each(testDatabases())('orders on $name', (kind) => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi(kind);
  });
  afterAll(() => t?.close());

  it('creates an order with 201, Location, ETag and a server-computed total', async () => {
    const res = await t.request('POST', '/v1/orders', { body: validOrder() });
    expect(res.status).toBe(201);
    expect(res.body.id).toMatch(/^ord_/);
    expect(res.headers.get('location')).toBe(`/v1/orders/${res.body.id}`);
    expect(res.headers.get('etag')).toBeTruthy();
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toMatchObject({
      customer_id: 'cus_test',
      status: 'pending',
      total_cents: 2 * 1250 + 999,
      currency: 'EUR',
      notes: 'leave at the door',
    });
    expect(new Date(res.body.created_at).toISOString()).toBe(res.body.created_at);

    const got = await t.request('GET', res.headers.get('location')!);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(res.body);
    expect(got.headers.get('etag')).toBe(res.headers.get('etag'));

    const notModified = await t.request('GET', `/v1/orders/${res.body.id}`, {
      headers: { 'if-none-match': res.headers.get('etag')! },
    });
    expect(notModified.status).toBe(304);
    expect(notModified.text).toBe('');
  });

  it("hides another customer's order behind 404 order_not_found", async () => {
    const created = await t.request('POST', '/v1/orders', { body: validOrder() });
    const other = await t.request('GET', `/v1/orders/${created.body.id}`, { as: 'cus_other' });
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe('order_not_found');
    const del = await t.request('DELETE', `/v1/orders/${created.body.id}`, { as: 'cus_other' });
    expect(del.status).toBe(404);
    const list = await t.request('GET', '/v1/orders', { as: 'cus_other' });
    expect(list.body.items).toEqual([]);
  });

  it('replaces with PUT (absent notes cleared) and recomputes the total', async () => {
    const created = await t.request('POST', '/v1/orders', { body: validOrder() });
    const put = await t.request('PUT', `/v1/orders/${created.body.id}`, {
      body: { items: [{ sku: 'X', quantity: 3, unit_price_cents: 100 }], currency: 'USD' },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      total_cents: 300,
      currency: 'USD',
      notes: null,
      status: 'pending',
    });
    expect(put.headers.get('etag')).not.toBe(created.headers.get('etag'));
  });

  it('patches part of an order and keeps the rest', async () => {
    const created = await t.request('POST', '/v1/orders', { body: validOrder() });
    const patched = await t.request('PATCH', `/v1/orders/${created.body.id}`, {
      body: { notes: 'ring twice' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      notes: 'ring twice',
      total_cents: created.body.total_cents,
    });
    const cleared = await t.request('PATCH', `/v1/orders/${created.body.id}`, {
      body: { notes: null },
    });
    expect(cleared.body.notes).toBeNull();
  });

  it('walks pending → paid → shipped and refuses shipped → cancelled with 409', async () => {
    const { body: o } = await t.request('POST', '/v1/orders', { body: validOrder() });
    expect(
      (await t.request('PATCH', `/v1/orders/${o.id}`, { body: { status: 'paid' } })).body.status,
    ).toBe('paid');
    expect(
      (await t.request('PATCH', `/v1/orders/${o.id}`, { body: { status: 'shipped' } })).body.status,
    ).toBe('shipped');
    const bad = await t.request('PATCH', `/v1/orders/${o.id}`, { body: { status: 'cancelled' } });
    expect(bad.status).toBe(409);
    expect(bad.body.error.code).toBe('invalid_state_transition');
  });

  it('refuses to ship a cancelled order and to skip payment', async () => {
    const { body: a } = await t.request('POST', '/v1/orders', { body: validOrder() });
    const skip = await t.request('PATCH', `/v1/orders/${a.id}`, { body: { status: 'shipped' } });
    expect(skip.status).toBe(409);
    expect(skip.body.error.code).toBe('invalid_state_transition');
    await t.request('PATCH', `/v1/orders/${a.id}`, { body: { status: 'cancelled' } });
    const ship = await t.request('PUT', `/v1/orders/${a.id}`, {
      body: { ...validOrder(), status: 'shipped' },
    });
    expect(ship.status).toBe(409);
    expect(ship.body.error.code).toBe('invalid_state_transition');
    const back = await t.request('PATCH', `/v1/orders/${a.id}`, { body: { status: 'pending' } });
    expect(back.status).toBe(409);
  });

  it('refuses changing items once paid (409 order_not_editable) but allows notes', async () => {
    const { body: o } = await t.request('POST', '/v1/orders', { body: validOrder() });
    await t.request('PATCH', `/v1/orders/${o.id}`, { body: { status: 'paid' } });
    const items = await t.request('PATCH', `/v1/orders/${o.id}`, {
      body: { items: [{ sku: 'Z', quantity: 1, unit_price_cents: 1 }] },
    });
    expect(items.status).toBe(409);
    expect(items.body.error.code).toBe('order_not_editable');
    expect(
      (await t.request('PATCH', `/v1/orders/${o.id}`, { body: { notes: 'gift' } })).status,
    ).toBe(200);
  });

  it('deletes with 204, then 404', async () => {
    const { body: o } = await t.request('POST', '/v1/orders', { body: validOrder() });
    const del = await t.request('DELETE', `/v1/orders/${o.id}`);
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expect((await t.request('GET', `/v1/orders/${o.id}`)).status).toBe(404);
    expect((await t.request('DELETE', `/v1/orders/${o.id}`)).status).toBe(404);
  });

  it('answers 412 precondition_failed for a stale If-Match and accepts the current one', async () => {
    const created = await t.request('POST', '/v1/orders', { body: validOrder() });
    const etag1 = created.headers.get('etag')!;
    const first = await t.request('PATCH', `/v1/orders/${created.body.id}`, {
      body: { notes: 'v2' },
      headers: { 'if-match': etag1 },
    });
    expect(first.status).toBe(200);
    const stale = await t.request('PATCH', `/v1/orders/${created.body.id}`, {
      body: { notes: 'v3' },
      headers: { 'if-match': etag1 },
    });
    expect(stale.status).toBe(412);
    expect(stale.body.error.code).toBe('precondition_failed');
    const stalePut = await t.request('PUT', `/v1/orders/${created.body.id}`, {
      body: validOrder(),
      headers: { 'if-match': etag1 },
    });
    expect(stalePut.status).toBe(412);
    const staleDelete = await t.request('DELETE', `/v1/orders/${created.body.id}`, {
      headers: { 'if-match': etag1 },
    });
    expect(staleDelete.status).toBe(412);
    const ok = await t.request('DELETE', `/v1/orders/${created.body.id}`, {
      headers: { 'if-match': first.headers.get('etag')! },
    });
    expect(ok.status).toBe(204);
  });
});
