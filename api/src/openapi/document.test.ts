import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi, testDatabases } from '../../test/harness.js';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every (METHOD, path) the Express app routes, read from its router. */
function expressRoutes(app: Express): string[] {
  const out: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const [m, on] of Object.entries(layer.route.methods)) {
          if (on && m !== '_all')
            out.push(`${m.toUpperCase()} ${layer.route.path.replace(/:(\w+)/g, '{$1}')}`);
        }
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return out;
}

describe('OpenAPI document and docs page', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi(testDatabases()[0]!);
  });
  afterAll(() => t?.close());

  it('serves OpenAPI 3.1 at /openapi.json, cacheable, with conditional GET', async () => {
    const res = await t.request('GET', '/openapi.json', { as: null });
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
    const etag = res.headers.get('etag')!;
    const again = await t.request('GET', '/openapi.json', {
      as: null,
      headers: { 'if-none-match': etag },
    });
    expect(again.status).toBe(304);
  });

  it('documents every route the app serves, and nothing it does not', async () => {
    const spec = (await t.request('GET', '/openapi.json', { as: null })).body;
    const documented = Object.entries(
      spec.paths as Record<string, Record<string, unknown>>,
    ).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    expect(expressRoutes(t.api.app).sort()).toEqual(documented.sort());
  });

  it('documents parameters, error responses and the envelope for every /v1 operation', async () => {
    const spec = (await t.request('GET', '/openapi.json', { as: null })).body;
    expect(spec.components.schemas.ErrorEnvelope).toBeDefined();
    // biome-ignore lint/suspicious/noExplicitAny: walking the generated JSON document
    for (const [path, ops] of Object.entries(spec.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(ops)) {
        if (!path.startsWith('/v1/')) continue;
        for (const s of ['401', '500', '503'])
          expect(op.responses[s], `${method} ${path} ${s}`).toBeDefined();
        expect(op.security).toEqual([{ GatewayIdentity: [] }]);
        if (path.includes('{id}')) {
          expect(
            op.parameters.some(
              (p: { in: string; name: string }) => p.in === 'path' && p.name === 'id',
            ),
          ).toBe(true);
        }
      }
    }
    const list = spec.paths['/v1/orders'].get.parameters
      .map((p: { name: string }) => p.name)
      .sort();
    expect(list).toEqual(['created_after', 'created_before', 'cursor', 'limit', 'status']);
  });

  it('renders a self-contained /docs page listing every operation, with no external resources', async () => {
    const res = await t.request('GET', '/docs', { as: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.text).not.toMatch(/<script/i);
    expect(res.text).not.toMatch(/(src|href)="(https?:)?\/\//i);
    for (const path of [
      '/v1/orders',
      '/v1/orders/{id}',
      '/v1/batch',
      '/v1/reports',
      '/v1/signups',
      '/v1/export/orders',
    ]) {
      expect(res.text).toContain(`<code>${path.replace(/[{}]/g, (c) => c)}</code>`);
    }
  });
});
