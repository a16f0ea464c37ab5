import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi, testDatabases, validOrder } from '../../test/harness.js';

describe.each(testDatabases())('POST /v1/batch on $name', (kind) => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi(kind, { customer: 'cus_batch' });
  });
  afterAll(() => t?.close());

  it('runs sub-requests in order through the same routes and returns one response each', async () => {
    const created = await t.request('POST', '/v1/orders', { body: validOrder() });
    const res = await t.request('POST', '/v1/batch', {
      body: {
        requests: [
          { method: 'POST', path: '/v1/orders', body: validOrder({ notes: 'from batch' }) },
          { method: 'GET', path: `/v1/orders/${created.body.id}` },
          { method: 'PATCH', path: `/v1/orders/${created.body.id}`, body: { status: 'paid' } },
          { method: 'POST', path: '/v1/orders', body: { items: [] } },
          { method: 'GET', path: '/v1/nowhere' },
          { method: 'DELETE', path: `/v1/orders/${created.body.id}` },
          { method: 'GET', path: `/v1/orders/${created.body.id}` },
        ],
      },
    });
    expect(res.status).toBe(200);
    const r = res.body.responses;
    expect(r.map((x: { status: number }) => x.status)).toEqual([201, 200, 200, 422, 404, 204, 404]);
    expect(r[0].headers.location).toBe(`/v1/orders/${r[0].body.id}`);
    expect(r[0].body).toMatchObject({
      notes: 'from batch',
      customer_id: 'cus_batch',
      total_cents: 3499,
    });
    expect(r[1].headers.etag).toBeTruthy();
    expect(r[2].body.status).toBe('paid');
    expect(r[3].body.error).toMatchObject({ code: 'validation_failed', field: 'items' });
    expect(r[4].body.error.code).toBe('not_found');
    expect(r[5].body).toBeNull();
    expect(r[6].body.error.code).toBe('order_not_found');
    // The order created inside the batch is real.
    expect((await t.request('GET', `/v1/orders/${r[0].body.id}`)).status).toBe(200);
  });

  it("uses the caller's identity for every sub-request", async () => {
    const mine = await t.request('POST', '/v1/orders', { body: validOrder() });
    const res = await t.request('POST', '/v1/batch', {
      as: 'cus_intruder',
      body: { requests: [{ method: 'GET', path: `/v1/orders/${mine.body.id}` }] },
    });
    expect(res.body.responses[0].status).toBe(404);
    const anonymous = await t.request('POST', '/v1/batch', {
      as: null,
      body: { requests: [{ method: 'GET', path: '/v1/orders' }] },
    });
    expect(anonymous.status).toBe(401);
  });

  it('honours If-Match in a sub-request', async () => {
    const o = await t.request('POST', '/v1/orders', { body: validOrder() });
    const res = await t.request('POST', '/v1/batch', {
      body: {
        requests: [
          {
            method: 'PATCH',
            path: `/v1/orders/${o.body.id}`,
            body: { notes: 'a' },
            headers: { 'if-match': '"stale"' },
          },
        ],
      },
    });
    expect(res.body.responses[0].status).toBe(412);
  });

  it('refuses more than 50 sub-requests with 422', async () => {
    const requests = Array.from({ length: 51 }, () => ({ method: 'GET', path: '/v1/orders' }));
    const res = await t.request('POST', '/v1/batch', { body: { requests } });
    expect(res.status).toBe(422);
    expect(res.body.error.field).toBe('requests');
    const fifty = await t.request('POST', '/v1/batch', {
      body: { requests: requests.slice(0, 50) },
    });
    expect(fifty.status).toBe(200);
    expect(fifty.body.responses).toHaveLength(50);
  });

  it('refuses a nested batch', async () => {
    for (const path of ['/v1/batch', '/V1/Batch/', '/v1/batch?x=1']) {
      const res = await t.request('POST', '/v1/batch', {
        body: { requests: [{ method: 'POST', path, body: { requests: [] } }] },
      });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('nested_batch');
    }
  });

  it('refuses malformed sub-requests with a dotted field', async () => {
    const res = await t.request('POST', '/v1/batch', {
      body: {
        requests: [
          { method: 'GET', path: '/v1/orders' },
          { method: 'TRACE', path: '/v1/orders' },
        ],
      },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.field).toBe('requests.1.method');
    const absolute = await t.request('POST', '/v1/batch', {
      body: { requests: [{ method: 'GET', path: 'http://evil.example/' }] },
    });
    expect(absolute.body.error.field).toBe('requests.0.path');
  });

  it('replays a batch sent again with the same Idempotency-Key', async () => {
    const headers = { 'idempotency-key': 'batch-1' };
    const body = { requests: [{ method: 'POST', path: '/v1/orders', body: validOrder() }] };
    const first = await t.request('POST', '/v1/batch', { body, headers });
    const again = await t.request('POST', '/v1/batch', { body, headers });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.text).toBe(first.text);
  });
});
