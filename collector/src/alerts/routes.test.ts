/**
 * The rules API on the embedded store (in-memory PGlite): CRUD, validation errors in the
 * envelope, operator auth, webhook targets on private addresses refused, OpenAPI coverage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCollector, startCollector } from '../app.js';
import { createTestDatabase, TEST_ADMIN_TOKEN, type TestDatabase, testConfig } from '../testing.js';

let t: TestDatabase;
let c: RunningCollector;

async function api(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  // biome-ignore lint/suspicious/noExplicitAny: tests assert on arbitrary JSON shapes
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${c.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

const valid = {
  name: 'checkout errors',
  route: '/v1/orders',
  customer_id: 'cus_1',
  metric: 'error_rate_5xx',
  threshold: 0.05,
  targets: [{ url: 'https://hooks.example.com/alerts', secret: 'a-secret-of-16-chars+' }],
};

beforeAll(async () => {
  t = await createTestDatabase();
  c = await startCollector(
    testConfig(t, {
      alerts: {
        schema: 'collector_alerts',
        evalIntervalMs: 15_000,
        webhookAllowPrivate: false,
        webhookTimeoutMs: 1000,
        webhookMaxAttempts: 1,
        webhookBackoffMs: 10,
        schedule: false,
      },
    }),
    { retention: false },
  );
}, 90_000);

afterAll(async () => {
  await c?.close();
  await t?.drop();
});

describe('rules CRUD', () => {
  it('creates, reads, patches and deletes a rule; secrets are never echoed', async () => {
    const created = await api('POST', '/api/v1/alerts/rules', valid);
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect(created.headers.get('location')).toBe(`/api/v1/alerts/rules/${id}`);
    expect(created.body).toMatchObject({
      name: 'checkout errors',
      kind: 'threshold',
      scope: 'route_customer',
      window: '5m',
      for: '0s',
      min_requests: 20,
      severity: 'warning',
      enabled: true,
      state: 'ok',
      targets: [{ type: 'webhook', url: 'https://hooks.example.com/alerts', has_secret: true }],
    });
    expect(JSON.stringify(created.body)).not.toContain('a-secret-of-16-chars+');

    const list = await api('GET', '/api/v1/alerts/rules');
    expect(list.body.items.map((r: { id: string }) => r.id)).toContain(id);

    const patched = await api('PATCH', `/api/v1/alerts/rules/${id}`, {
      threshold: 0.2,
      window: '10m',
      customer_id: null,
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ threshold: 0.2, window: '10m', scope: 'route' });
    // The secret survives a PATCH that does not mention targets.
    expect(patched.body.targets[0].has_secret).toBe(true);

    expect((await api('DELETE', `/api/v1/alerts/rules/${id}`)).status).toBe(204);
    const gone = await api('GET', `/api/v1/alerts/rules/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('rule_not_found');
    expect((await api('DELETE', `/api/v1/alerts/rules/${id}`)).status).toBe(404);
  });

  it('shows a Slack webhook target redacted (its path is the credential) and refuses the redacted form back', async () => {
    const slack = 'https://hooks.slack.com/services/T0001/B0002/abcdefghijklmnopqrstuvwx';
    const created = await api('POST', '/api/v1/alerts/rules', {
      ...valid,
      name: 'slack target',
      targets: [{ type: 'slack', url: slack }],
    });
    expect(created.status).toBe(201);
    expect(created.body.targets).toEqual([
      { type: 'slack', url: 'https://hooks.slack.com/services/…', has_secret: false },
    ]);
    const read = await api('GET', `/api/v1/alerts/rules/${created.body.id}`);
    expect(JSON.stringify(read.body)).not.toContain('abcdefghijklmnopqrstuvwx');
    const list = await api('GET', '/api/v1/alerts/rules');
    expect(JSON.stringify(list.body)).not.toContain('abcdefghijklmnopqrstuvwx');

    // A client that PATCHes back what it read must not replace the real URL by the display form.
    const echoed = await api('PATCH', `/api/v1/alerts/rules/${created.body.id}`, {
      targets: read.body.targets.map((t: { type: string; url: string }) => ({
        type: t.type,
        url: t.url,
      })),
    });
    expect(echoed.status).toBe(422);
    expect(echoed.body.error).toMatchObject({
      code: 'webhook_target_refused',
      field: 'targets.0.url',
    });
    expect(echoed.body.error.message).toContain('redacted');
    expect((await api('DELETE', `/api/v1/alerts/rules/${created.body.id}`)).status).toBe(204);
  });

  it('creates a burn-rate rule with the SRE workbook windows by default', async () => {
    const res = await api('POST', '/api/v1/alerts/rules', {
      name: 'availability',
      kind: 'burn_rate',
      objective: 0.999,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      kind: 'burn_rate',
      scope: 'all',
      objective: 0.999,
      slo_period: '30d',
      metric: null,
      burn_windows: [
        { long: '1h', short: '5m', factor: 14.4 },
        { long: '6h', short: '30m', factor: 6 },
      ],
    });
  });
});

describe('rules API errors', () => {
  it.each([
    [{ ...valid, threshold: 1.5 }, 'threshold'],
    [{ ...valid, metric: 'error_rate' }, 'metric'],
    [{ ...valid, window: '5 minutes' }, 'window'],
    [{ ...valid, window: '90s' }, 'window'],
    [{ ...valid, resolve_threshold: 0.5 }, 'resolve_threshold'],
    [{ ...valid, min_requests: 0 }, 'min_requests'],
    [{ ...valid, targets: [{ url: 'ftp://example.com/x' }] }, 'targets.0.url'],
    [{ ...valid, extra: 1 }, ''],
    [{ name: 'x' }, 'metric'],
    [{ name: 'slo', kind: 'burn_rate' }, 'objective'],
    [
      {
        name: 'slo',
        kind: 'burn_rate',
        objective: 0.99,
        burn_windows: [{ long: '5m', short: '1h', factor: 2 }],
      },
      'burn_windows.0.short',
    ],
  ])('refuses %j naming the field', async (body, field) => {
    const res = await api('POST', '/api/v1/alerts/rules', body);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('invalid_rule');
    if (field) expect(res.body.error.field).toBe(field);
    expect(res.body.error.request_id).toEqual(expect.any(String));
  });

  it.each([
    'http://127.0.0.1:9000/hook',
    'http://localhost/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://10.1.2.3/x',
    'http://[::1]/x',
    'http://[::ffff:192.168.0.1]/x',
  ])('refuses the webhook target %s', async (url) => {
    const res = await api('POST', '/api/v1/alerts/rules', { ...valid, targets: [{ url }] });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({
      code: 'webhook_target_refused',
      field: 'targets.0.url',
    });
  });

  it('answers bad JSON, wrong media type, missing token and unknown ids in the envelope', async () => {
    const badJson = await api('POST', '/api/v1/alerts/rules', '{"name":');
    expect(badJson.status).toBe(400);
    expect(badJson.body.error.code).toBe('invalid_json');
    const text = await api('POST', '/api/v1/alerts/rules', 'name=x', {
      'content-type': 'text/plain',
    });
    expect(text.status).toBe(415);
    const noAuth = await fetch(`${c.url}/api/v1/alerts/rules`);
    expect(noAuth.status).toBe(401);
    expect(((await noAuth.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    const wrong = await api('GET', '/api/v1/alerts/firing', undefined, {
      authorization: 'Bearer nope-nope-nope-nope',
    });
    expect(wrong.status).toBe(401);
    expect((await api('PATCH', '/api/v1/alerts/rules/rule_nope', { threshold: 0.1 })).status).toBe(
      404,
    );
    const history = await api('GET', '/api/v1/alerts/history?limit=0');
    expect(history.status).toBe(422);
    expect(history.body.error).toMatchObject({ code: 'invalid_query', field: 'limit' });
  });

  it('lists firing alerts and history (empty) and documents every alerts path', async () => {
    expect((await api('GET', '/api/v1/alerts/firing')).body).toEqual({ items: [] });
    expect((await api('GET', '/api/v1/alerts/history')).body).toEqual({
      items: [],
      has_more: false,
      next_cursor: null,
    });
    const doc = (await (await fetch(`${c.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(doc.paths['/api/v1/alerts/rules']!).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/v1/alerts/rules/{id}']!).sort()).toEqual([
      'delete',
      'get',
      'patch',
    ]);
    expect(doc.paths['/api/v1/alerts/firing']).toBeDefined();
    expect(doc.paths['/api/v1/alerts/history']).toBeDefined();
  });
});
