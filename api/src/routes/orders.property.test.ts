import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi, testDatabases } from '../../test/harness.js';

// A fixed seed keeps CI deterministic; change it locally to explore other inputs.
const SEED = 20261125;

// Strings that have broken SQL layers, JSON layers and PostgreSQL text before.
const nasty = fc.constantFrom(
  "'; DROP TABLE orders; --",
  "' OR '1'='1",
  '$1',
  '\\',
  '%_',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff x',
  '😀',
  '\u202e',
  '\r\n',
  ''.padEnd(1001, 'x'),
);
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  nasty,
);
const value = fc.oneof(
  text,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue(),
);
const item = fc.record(
  {
    sku: value,
    quantity: fc.oneof(value, fc.integer({ min: -5, max: 20_000 })),
    unit_price_cents: value,
  },
  { requiredKeys: [] },
);
const orderish = fc.record(
  {
    items: fc.oneof(
      value,
      fc.array(item, { maxLength: 3 }),
      fc.array(item, { minLength: 100, maxLength: 102 }),
    ),
    currency: fc.oneof(value, fc.constantFrom('EUR', 'eur', 'EURO', '€€€')),
    notes: value,
    status: value,
    customer_id: value,
    total_cents: value,
  },
  { requiredKeys: [] },
);
const anyBody = fc.oneof(orderish, fc.jsonValue(), fc.dictionary(text, value, { maxKeys: 4 }));
// Raw bodies that are not (all) JSON, including lone-surrogate escapes JSON.parse accepts.
const rawBody = fc.oneof(
  fc.string({ unit: 'binary' }),
  text.map(
    (s) =>
      `{"items":[{"sku":"${s}","quantity":1,"unit_price_cents":1}],"currency":"EUR","notes":"\\ud83d"}`,
  ),
  fc.constantFrom('{', '[', '{"a":}', 'null', '"\\u0000"', '{"items":[],"currency":"\\u0000"}'),
);

/** Percent-encodes the UTF-8 bytes (encodeURIComponent throws on lone surrogates). */
const pct = (s: string) =>
  [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
const rawPathPart = fc.oneof(
  text.map(pct),
  fc.constantFrom('%', '%E0%A4%A', '%zz', '%00', '..', '%2F', '%C0%AF'),
);

describe.each(testDatabases())('arbitrary order bodies on $name', (kind) => {
  let t: TestApi;
  let orderId: string;
  beforeAll(async () => {
    t = await startTestApi(kind, { customer: 'cus_fuzz' });
    const created = await t.request('POST', '/v1/orders', {
      body: { items: [{ sku: 'a', quantity: 1, unit_price_cents: 1 }], currency: 'EUR' },
    });
    orderId = created.body.id;
  });
  afterAll(() => t?.close());

  const neverServerError = (status: number, body: unknown) => {
    expect(status).toBeLessThan(500);
    if (status >= 400) expect(body).toMatchObject({ error: { code: expect.any(String) } });
  };

  it('never answers 5xx and always uses the envelope for JSON bodies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('POST', 'PUT', 'PATCH'), anyBody, async (method, body) => {
        const path = method === 'POST' ? '/v1/orders' : `/v1/orders/${orderId}`;
        const res = await t.request(method, path, { body });
        neverServerError(res.status, res.body);
        if (res.status === 201 || res.status === 200) {
          const o = res.body;
          expect(o.total_cents).toBe(
            o.items.reduce(
              (s: number, i: { quantity: number; unit_price_cents: number }) =>
                s + i.quantity * i.unit_price_cents,
              0,
            ),
          );
          expect(o.customer_id).toBe('cus_fuzz');
        }
      }),
      { numRuns: 150, seed: SEED },
    );
  });

  it('never answers 5xx for raw, possibly broken JSON', async () => {
    await fc.assert(
      fc.asyncProperty(rawBody, async (raw) => {
        const res = await t.request('POST', '/v1/orders', { raw, contentType: 'application/json' });
        neverServerError(res.status, res.body);
      }),
      { numRuns: 100, seed: SEED },
    );
  });

  it('never answers 5xx for arbitrary ids, query strings and idempotency keys', async () => {
    await fc.assert(
      fc.asyncProperty(text, text, rawPathPart, async (a, b, raw) => {
        const id = pct(a) || 'x';
        neverServerError(...(await get(`/v1/orders/${id}`)));
        neverServerError(...(await get(`/v1/orders/${raw}`)));
        neverServerError(...(await get(`/v1/reports/${raw}`)));
        neverServerError(...(await get(`/v1/orders?status=${pct(b)}&cursor=${raw}&limit=${raw}`)));
        const cursor = Buffer.from(JSON.stringify(['2026-01-01T00:00:00Z', a])).toString(
          'base64url',
        );
        neverServerError(...(await get(`/v1/orders?cursor=${cursor}`)));
        const key = a.replace(/[^\x20-\x7e]/g, '') || 'k';
        const res = await t.request('POST', '/v1/orders', {
          body: { items: [{ sku: b || 's', quantity: 1, unit_price_cents: 1 }], currency: 'EUR' },
          headers: { 'idempotency-key': key },
        });
        neverServerError(res.status, res.body);
      }),
      { numRuns: 60, seed: SEED },
    );
  });

  async function get(path: string): Promise<[number, unknown]> {
    const res = await t.request('GET', path);
    return [res.status, res.body];
  }
});
