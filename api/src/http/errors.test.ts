import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database.js';
import { waitFor } from '../jobs/wait-for.js';
import { startTestApi, type TestApi, testDatabases, validOrder } from '../../test/harness.js';

describe.each(testDatabases())('error envelope on $name', (kind) => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi(kind);
  });
  afterAll(() => t?.close());

  it('answers an unknown route with 404 not_found', async () => {
    const res = await t.request('GET', '/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
    expect((await t.request('GET', '/nowhere', { as: null })).status).toBe(404);
  });

  it('answers a wrong method with 405 and Allow', async () => {
    const res = await t.request('DELETE', '/v1/orders');
    expect(res.status).toBe(405);
    expect(res.body.error.code).toBe('method_not_allowed');
    expect(res.headers.get('allow')).toBe('GET, HEAD, OPTIONS, POST');
    const item = await t.request('POST', '/v1/orders/ord_x');
    expect(item.status).toBe(405);
    expect(item.headers.get('allow')).toBe('DELETE, GET, HEAD, OPTIONS, PATCH, PUT');
  });

  it('refuses a non-JSON body with 415', async () => {
    const res = await t.request('POST', '/v1/orders', {
      raw: 'items=1',
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('unsupported_media_type');
    const none = await t.request('POST', '/v1/orders', { raw: '{}' });
    expect(none.status).toBe(415);
  });

  it('refuses a body over 1 MiB with 413', async () => {
    const big = JSON.stringify({ ...validOrder(), notes: 'x'.repeat(1024 * 1024) });
    const res = await t.request('POST', '/v1/orders', {
      raw: big,
      contentType: 'application/json',
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('answers malformed JSON with 400 invalid_json', async () => {
    const res = await t.request('POST', '/v1/orders', {
      raw: '{"items": [',
      contentType: 'application/json',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_json');
  });

  it('answers 422 validation_failed with the first failing field as a dotted path and all in details', async () => {
    const res = await t.request('POST', '/v1/orders', {
      body: { items: [{ sku: 'A', quantity: 0, unit_price_cents: 5 }], currency: 'euro' },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.field).toBe('items.0.quantity');
    const fields = res.body.error.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['items.0.quantity', 'currency']));
  });

  it.each([
    ['customer_id', 'cus_evil'],
    ['total_cents', 1],
    ['id', 'ord_mine'],
    ['status', 'shipped'],
    ['created_at', '2020-01-01T00:00:00Z'],
  ])('refuses the server-owned field %s on create with 422 naming it', async (field, value) => {
    const res = await t.request('POST', '/v1/orders', {
      body: { ...validOrder(), [field]: value },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.field).toBe(field);
  });

  it('refuses text PostgreSQL cannot store (NUL, lone surrogate) with 422, not 500', async () => {
    const nul = await t.request('POST', '/v1/orders', { body: validOrder({ notes: 'a\u0000b' }) });
    expect(nul.status).toBe(422);
    expect(nul.body.error.field).toBe('notes');
    const surrogate = await t.request('POST', '/v1/orders', {
      raw: '{"items":[{"sku":"\\ud800","quantity":1,"unit_price_cents":1}],"currency":"EUR"}',
      contentType: 'application/json',
    });
    expect(surrogate.status).toBe(422);
    expect(surrogate.body.error.field).toBe('items.0.sku');
  });

  it('keeps a valid X-Request-Id, replaces an invalid one, and echoes it', async () => {
    const kept = await t.request('GET', '/v1/orders', {
      headers: { 'x-request-id': 'trace-abc.123' },
    });
    expect(kept.headers.get('x-request-id')).toBe('trace-abc.123');
    const replaced = await t.request('GET', '/v1/orders/nope', {
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(replaced.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{24}$/);
    expect(replaced.body.error.request_id).toBe(replaced.headers.get('x-request-id'));
  });

  it('answers limit above 100 with 422 field limit', async () => {
    const res = await t.request('GET', '/v1/orders?limit=101');
    expect(res.status).toBe(422);
    expect(res.body.error.field).toBe('limit');
  });
});

describe('failures the client cannot cause', () => {
  it('hides an unexpected error behind 500 internal_error without a stack trace', async () => {
    const kind = testDatabases()[0]!;
    const real = await kind.open();
    const broken = {
      ...real,
      kind: real.kind,
      transaction: async () => {
        throw new Error('secret internal detail at /srv/app.js:12');
      },
    };
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(JSON.parse(chunk.toString()));
        cb();
      },
    });
    const t = await startTestApi(kind, { db: broken, logger: pino({ level: 'info' }, sink) });
    try {
      const res = await t.request('POST', '/v1/orders', { body: validOrder() });
      expect(res.status).toBe(500);
      // The cause goes to the log, tied to the request id; never to the client.
      const requestId = res.headers.get('x-request-id');
      const failure = lines.find((l) => l.msg === 'request failed');
      expect(failure).toMatchObject({ request_id: requestId, level: 50, code: 'internal_error' });
      expect(JSON.stringify(failure)).toContain('secret internal detail');
      // The access line is written on 'finish', which may trail the client's read.
      const access = await waitFor('the access log line', () =>
        lines.find((l) => l.msg === 'request'),
      );
      expect(access).toMatchObject({ request_id: requestId, status: 500 });
      expect(res.body.error).toEqual({
        code: 'internal_error',
        message: 'Internal error.',
        request_id: res.headers.get('x-request-id'),
      });
      expect(res.text).not.toContain('secret');
    } finally {
      await t.close();
      await real.close();
    }
  });

  it('answers 503 service_unavailable when PostgreSQL is unreachable', async () => {
    const down = await openDatabase({
      url: 'postgres://postgres@127.0.0.1:1/test',
      connectionTimeoutMs: 2000,
    });
    const kind = testDatabases()[1]!;
    const t = await startTestApi(kind, { db: down });
    try {
      const res = await t.request('GET', '/v1/orders');
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('service_unavailable');
      const ready = await t.request('GET', '/readyz', { as: null });
      expect(ready.status).toBe(503);
      expect((await t.request('GET', '/healthz', { as: null })).status).toBe(200);
    } finally {
      await t.close();
      await down.close();
    }
  });
});
