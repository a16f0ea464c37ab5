import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi, testDatabases, validOrder } from '../../test/harness.js';

async function until<T>(
  fn: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(testDatabases())('reports and signups routes on $name', (kind) => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi(kind, {
      customer: 'cus_rep',
      config: {
        jobs: { pollMs: 50, leaseMs: 5000, enabled: true },
        callbacks: { allowPrivate: false, signingSecret: 'test-secret' },
      },
    });
  });
  afterAll(() => t?.close());

  it('accepts a report with 202, Location and a status URL, and the worker completes it', async () => {
    await t.request('POST', '/v1/orders', { body: validOrder() });
    await t.request('POST', '/v1/orders', { body: validOrder() });
    const today = new Date().toISOString().slice(0, 10);
    const res = await t.request('POST', '/v1/reports', { body: { from: today, to: today } });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ job_id: expect.stringMatching(/^rep_/), status: 'queued' });
    expect(res.body.status_url).toBe(`/v1/reports/${res.body.job_id}`);
    expect(res.headers.get('location')).toBe(res.body.status_url);
    const done = await until(
      () => t.request('GET', res.body.status_url),
      (r) => r.body.status === 'succeeded' || r.body.status === 'failed',
    );
    expect(done.status).toBe(200);
    expect(done.body.status).toBe('succeeded');
    expect(done.body.result.days).toEqual([{ date: today, orders: 2, total_cents: 2 * 3499 }]);
    expect(done.headers.get('cache-control')).toBe('no-store');
  });

  it("hides another customer's report and unknown ids behind 404 report_not_found", async () => {
    const res = await t.request('POST', '/v1/reports', {
      body: { from: '2026-01-01', to: '2026-01-02' },
    });
    const other = await t.request('GET', res.body.status_url, { as: 'cus_other' });
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe('report_not_found');
    expect((await t.request('GET', '/v1/reports/rep_nope')).status).toBe(404);
  });

  it('refuses bad ranges and private callback URLs with 422', async () => {
    const reversed = await t.request('POST', '/v1/reports', {
      body: { from: '2026-02-01', to: '2026-01-01' },
    });
    expect(reversed.status).toBe(422);
    expect(reversed.body.error.field).toBe('to');
    const bad = await t.request('POST', '/v1/reports', {
      body: { from: 'monday', to: '2026-01-01' },
    });
    expect(bad.body.error.field).toBe('from');
    const loopback = await t.request('POST', '/v1/reports', {
      body: { from: '2026-01-01', to: '2026-01-02', callback_url: 'http://127.0.0.1:9/hook' },
    });
    expect(loopback.status).toBe(422);
    expect(loopback.body.error).toMatchObject({
      code: 'callback_url_not_allowed',
      field: 'callback_url',
    });
  });

  it('creates a signup with 201 and refuses the same address with 409 signup_exists', async () => {
    const email = `ada.${kind.name}@example.com`;
    const res = await t.request('POST', '/v1/signups', { body: { email, name: 'Ada' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id: expect.stringMatching(/^sgn_/), email, name: 'Ada' });
    const dup = await t.request('POST', '/v1/signups', { body: { email, name: 'Ada again' } });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('signup_exists');
    const invalid = await t.request('POST', '/v1/signups', {
      body: { email: 'not-an-email', name: 'X' },
    });
    expect(invalid.status).toBe(422);
    expect(invalid.body.error.field).toBe('email');
  });

  it('replays a signup sent again with the same Idempotency-Key instead of answering 409', async () => {
    const headers = { 'idempotency-key': 'signup-1' };
    const body = { email: `grace.${kind.name}@example.com`, name: 'Grace' };
    const first = await t.request('POST', '/v1/signups', { body, headers });
    const again = await t.request('POST', '/v1/signups', { body, headers });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.text).toBe(first.text);
  });
});
