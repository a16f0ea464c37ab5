import { describe, expect, it } from 'vitest';
import { createConformanceChecker } from './conformance.js';
import { openApiDocument } from './document.js';

const check = createConformanceChecker(openApiDocument());
const order = {
  id: 'ord_1',
  customer_id: 'c',
  items: [{ sku: 'a', quantity: 1, unit_price_cents: 1 }],
  currency: 'EUR',
  notes: null,
  status: 'pending',
  total_cents: 1,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
};
const json = 'application/json; charset=utf-8';
const envelope = JSON.stringify({ error: { code: 'x', message: 'y', request_id: 'r' } });

describe('spec conformance check', () => {
  it('accepts a documented response whose body matches', () => {
    expect(
      check({
        method: 'GET',
        path: '/v1/orders/ord_1',
        status: 200,
        contentType: json,
        body: JSON.stringify(order),
      }),
    ).toEqual([]);
  });

  it('flags an undocumented status', () => {
    const problems = check({
      method: 'GET',
      path: '/v1/orders/ord_1',
      status: 418,
      contentType: json,
      body: envelope,
    });
    expect(problems.join()).toContain('status not documented');
  });

  it('flags a body that does not match the schema', () => {
    const bad = { ...order, status: 'lost' };
    const problems = check({
      method: 'GET',
      path: '/v1/orders/ord_1',
      status: 200,
      contentType: json,
      body: JSON.stringify(bad),
    });
    expect(problems.join()).toContain('does not match');
    const missing = { ...order, total_cents: undefined };
    expect(
      check({
        method: 'GET',
        path: '/v1/orders/x',
        status: 200,
        contentType: json,
        body: JSON.stringify(missing),
      }),
    ).not.toEqual([]);
  });

  it('flags an undocumented content type', () => {
    const problems = check({
      method: 'GET',
      path: '/v1/orders/ord_1',
      status: 200,
      contentType: 'text/plain',
      body: 'x',
    });
    expect(problems.join()).toContain('content type');
  });

  it('requires the envelope for unknown paths and wrong methods', () => {
    expect(
      check({ method: 'GET', path: '/nope', status: 404, contentType: json, body: envelope }),
    ).toEqual([]);
    expect(
      check({ method: 'GET', path: '/nope', status: 200, contentType: json, body: '{}' }),
    ).not.toEqual([]);
    expect(
      check({
        method: 'DELETE',
        path: '/v1/orders',
        status: 405,
        contentType: json,
        body: envelope,
      }),
    ).toEqual([]);
    expect(
      check({
        method: 'DELETE',
        path: '/v1/orders',
        status: 404,
        contentType: json,
        body: envelope,
      }),
    ).not.toEqual([]);
  });
});
