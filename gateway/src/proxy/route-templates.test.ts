import { describe, expect, it } from 'vitest';
import { createRouteTable } from './route-table.js';
import { compileTemplates, matchTemplate } from './route-templates.js';

describe('route templates', () => {
  const compiled = compileTemplates([
    '/v1/orders',
    '/v1/orders/{id}',
    '/v1/orders/export',
    '/v1/reports/{id}',
  ]);

  it('maps raw paths to their OpenAPI template, literal segments first', () => {
    expect(matchTemplate(compiled, '/v1/orders/ord_123')).toBe('/v1/orders/{id}');
    expect(matchTemplate(compiled, '/v1/orders/export')).toBe('/v1/orders/export');
    expect(matchTemplate(compiled, '/v1/orders')).toBe('/v1/orders');
    expect(matchTemplate(compiled, '/v1/orders/')).toBeUndefined();
    expect(matchTemplate(compiled, '/v1/unknown/1')).toBeUndefined();
  });
});

describe('route table', () => {
  const table = createRouteTable(
    [
      { prefix: '/v1', auth: 'required', scopes: [] },
      { prefix: '/v1/orders', auth: 'required', scopes: ['orders'], methods: ['GET'] },
      { prefix: '/docs', auth: 'public', scopes: [], upstream: 'http://127.0.0.1:9999/ignored' },
    ],
    'http://127.0.0.1:3000',
  );

  it('longest prefix wins, on whole segments', () => {
    expect(table.match('/v1/orders/1', 'GET')).toMatchObject({ prefix: '/v1/orders' });
    expect(table.match('/v1/ordersx', 'GET')).toMatchObject({ prefix: '/v1' });
    expect(table.match('/docs', 'GET')).toMatchObject({ upstream: 'http://127.0.0.1:9999' });
  });

  it('405 with Allow for a method the route does not take; 404 when nothing matches', () => {
    expect(table.match('/v1/orders', 'DELETE')).toMatchObject({
      status: 405,
      headers: { allow: 'GET' },
    });
    expect(table.match('/v2', 'GET')).toMatchObject({ status: 404 });
    expect(table.upstreams).toEqual(['http://127.0.0.1:3000', 'http://127.0.0.1:9999']);
  });

  it('refuses a prefix configured twice', () => {
    expect(() =>
      createRouteTable(
        [
          { prefix: '/a', auth: 'public', scopes: [] },
          { prefix: '/a/', auth: 'public', scopes: [] },
        ],
        'http://x',
      ),
    ).toThrow(/twice/);
  });
});

describe('path hygiene', () => {
  it('refuses dot segments, plain or percent-encoded, and backslashes', async () => {
    const { isCleanPath } = await import('../listener/data-plane.js');
    for (const bad of [
      '/openapi.json/../v1/orders',
      '/v1/./orders',
      '/v1/%2e%2e/admin',
      '/v1/%2E/x',
      '/..',
      'v1',
      '/v1\\..\\x',
    ]) {
      expect(isCleanPath(bad), bad).toBe(false);
    }
    for (const good of ['/v1/orders', '/v1/orders/a.b', '/v1/..x/y', '/openapi.json', '/']) {
      expect(isCleanPath(good), good).toBe(true);
    }
  });
});
