/**
 * Alerting end to end against real ClickHouse, real PostgreSQL and a real local webhook
 * receiver. Evaluation is driven by calling the evaluator at chosen instants (`evaluate(now)`)
 * over events placed at matching past times, so nothing waits for wall-clock windows.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestEvent } from '@gatehouse/shared';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningCollector, startCollector } from '../app.js';
import { createRequestsStore } from '../clickhouse/requests-store.js';
import type { AlertsConfig } from '../config.js';
import {
  createTestDatabase,
  makeEvent,
  ndjson,
  postEvents,
  TEST_ADMIN_TOKEN,
  type TestDatabase,
  testConfig,
} from '../testing.js';
import type { RuleOutcome } from './evaluator.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from './notifier.js';

const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
const SECRET = 'webhook-secret-for-tests-0001';
const MIN = 60_000;
/** A minute boundary well in the past; each test uses its own slice of time and route. */
const BASE = Math.floor(Date.now() / MIN) * MIN - 3 * 86_400_000;

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  // biome-ignore lint/suspicious/noExplicitAny: assertions walk arbitrary JSON
  json: any;
}

let t: TestDatabase;
let c: RunningCollector;
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];
const schema = `alerts_test_${randomBytes(5).toString('hex')}`;

export function alertsConfig(overrides: Partial<AlertsConfig> = {}): AlertsConfig {
  return {
    databaseUrl: PG_URL,
    schema,
    evalIntervalMs: 15_000,
    webhookAllowPrivate: true,
    webhookTimeoutMs: 5000,
    webhookMaxAttempts: 3,
    webhookBackoffMs: 20,
    schedule: false,
    ...overrides,
  };
}

async function api(
  method: string,
  path: string,
  body?: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: tests assert on arbitrary JSON shapes
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${c.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** `n` events in the minute starting at `minuteMs`, the first `errors` of them 500s. */
function minuteOf(
  minuteMs: number,
  n: number,
  errors: number,
  extra: Partial<RequestEvent> = {},
): RequestEvent[] {
  return Array.from({ length: n }, (_, i) =>
    makeEvent({
      ts_ms: minuteMs + Math.floor((i * 59_000) / Math.max(1, n)),
      status: i < errors ? 500 : 200,
      error_code: i < errors ? 'internal_error' : '',
      ...extra,
    }),
  );
}

const evaluator = () => c.alerting!.evaluator;
const forRule = (outcomes: RuleOutcome[], id: string) => outcomes.find((o) => o.rule_id === id);

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ headers: req.headers, body, json: JSON.parse(body) });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  t = await createTestDatabase();
  c = await startCollector(testConfig(t, { alerts: alertsConfig() }), { retention: false });
  // Notifications go out from the leader only: take the lease as the runner's timer would (the
  // tests then call the evaluator at chosen instants).
  expect(await c.alerting!.runner.tick()).toBe(true);
});

afterAll(async () => {
  await c?.close();
  await t?.drop();
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
});

beforeEach(async () => {
  // Rules of earlier tests must not be evaluated at this test's instants.
  for (const r of await c.alerting!.store.listRules()) await c.alerting!.store.deleteRule(r.id);
  received.length = 0;
});

describe('threshold rule lifecycle', () => {
  it('goes pending → firing, notifies once with a valid signature, and resolves after recovery', async () => {
    const T = BASE;
    const created = await api('POST', '/api/v1/alerts/rules', {
      name: 'orders 5xx',
      route: '/v1/orders',
      metric: 'error_rate_5xx',
      threshold: 0.1,
      window: '5m',
      min_requests: 20,
      for: '1m',
      severity: 'critical',
      targets: [{ type: 'webhook', url: receiverUrl, secret: SECRET }],
    });
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    expect(created.body).toMatchObject({ scope: 'route', state: 'ok', window: '5m', for: '1m' });
    expect(created.body.targets).toEqual([{ type: 'webhook', url: receiverUrl, has_secret: true }]);

    // 30 % of 50 requests fail, through the ingest API.
    const bad = minuteOf(T, 50, 15, { route: '/v1/orders' });
    expect((await postEvents(c.url, ndjson(bad))).status).toBe(200);

    let out = await evaluator().evaluate(T + 59_000);
    expect(forRule(out, id)).toMatchObject({ state: 'pending', requests: 50, value: 0.3 });
    await evaluator().idle();
    expect(received).toHaveLength(0);

    // Still failing a minute later: fires.
    out = await evaluator().evaluate(T + 59_000 + MIN);
    expect(forRule(out, id)).toMatchObject({
      state: 'firing',
      change: { from: 'pending', to: 'firing' },
    });
    await evaluator().idle();
    expect(received).toHaveLength(1);
    const firing = received[0]!;
    expect(
      verifySignature(
        SECRET,
        String(firing.headers[TIMESTAMP_HEADER]),
        firing.body,
        String(firing.headers[SIGNATURE_HEADER]),
      ),
    ).toBe(true);
    expect(
      verifySignature(
        'another-secret-entirely!!',
        String(firing.headers[TIMESTAMP_HEADER]),
        firing.body,
        String(firing.headers[SIGNATURE_HEADER]),
      ),
    ).toBe(false);
    expect(firing.json).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'gatehouse',
      groupLabels: { alertname: 'orders 5xx' },
      alerts: [
        {
          status: 'firing',
          labels: {
            alertname: 'orders 5xx',
            severity: 'critical',
            route: '/v1/orders',
            rule_id: id,
          },
          endsAt: '0001-01-01T00:00:00Z',
        },
      ],
    });
    expect(firing.json.alerts[0].annotations.summary).toContain('30%');

    const firingNow = await api('GET', '/api/v1/alerts/firing');
    expect(firingNow.body.items).toEqual([
      expect.objectContaining({ rule_id: id, name: 'orders 5xx', state: 'firing', value: 0.3 }),
    ]);

    // Firing again on the next evaluation changes nothing and sends nothing.
    out = await evaluator().evaluate(T + 59_000 + 2 * MIN);
    expect(forRule(out, id)).toMatchObject({ state: 'firing' });
    expect(forRule(out, id)?.change).toBeUndefined();
    await evaluator().idle();
    expect(received).toHaveLength(1);

    // Recovery: the bad minute leaves the 5 m window, good traffic fills it.
    const good = minuteOf(T + 6 * MIN, 40, 0, { route: '/v1/orders' });
    expect((await postEvents(c.url, ndjson(good))).status).toBe(200);
    out = await evaluator().evaluate(T + 6 * MIN + 59_000);
    expect(forRule(out, id)).toMatchObject({
      state: 'ok',
      change: { from: 'firing', to: 'resolved' },
    });
    await evaluator().idle();
    expect(received).toHaveLength(2);
    expect(received[1]!.json).toMatchObject({
      status: 'resolved',
      alerts: [{ status: 'resolved' }],
    });
    expect(received[1]!.json.alerts[0].endsAt).toBe(new Date(T + 6 * MIN + 59_000).toISOString());
    expect((await api('GET', '/api/v1/alerts/firing')).body.items).toEqual([]);

    const history = await api('GET', `/api/v1/alerts/history?rule_id=${id}`);
    expect(history.status).toBe(200);
    expect(
      history.body.items.map((h: { from_state: string; to_state: string }) => [
        h.from_state,
        h.to_state,
      ]),
    ).toEqual([
      ['firing', 'resolved'],
      ['pending', 'firing'],
      ['ok', 'pending'],
    ]);
    const fired = history.body.items[1];
    expect(fired).toMatchObject({ value: 0.3, threshold: 0.1, requests: 50 });
    expect(fired.details).toMatchObject({ errors_5xx: 15, requests: 50 });
    expect(fired.notification).toEqual([
      expect.objectContaining({ ok: true, attempts: 1, status: 200, url: receiverUrl }),
    ]);
    // The dedup key receivers see is the one the history shows.
    expect(fired.deliveries).toEqual([
      expect.objectContaining({ state: 'delivered', attempts: 1, last_status: 200 }),
    ]);
    expect(firing.headers['gatehouse-notification-id']).toBe(fired.deliveries[0].notification_id);
    expect(firing.json.notificationId).toBe(fired.deliveries[0].notification_id);
    expect(history.body.items[0].value).toBe(0);
  });

  it('does not alert below the minimum request count', async () => {
    const T = BASE + 20 * MIN;
    const rule = await api('POST', '/api/v1/alerts/rules', {
      name: 'tiny traffic',
      route: '/v1/tiny',
      metric: 'error_rate_5xx',
      threshold: 0.1,
      window: '5m',
      min_requests: 20,
      targets: [{ url: receiverUrl }],
    });
    expect(rule.status).toBe(201);
    // 1 of 2 requests failed: 50 %, but far too few requests to mean anything.
    await createRequestsStore(t.ch, t.database).insertNew(minuteOf(T, 2, 1, { route: '/v1/tiny' }));
    for (let i = 0; i < 3; i++) {
      const out = await evaluator().evaluate(T + 30_000 + i * 15_000);
      expect(forRule(out, rule.body.id)).toMatchObject({ state: 'ok', value: 0.5, requests: 2 });
    }
    await evaluator().idle();
    expect(received).toHaveLength(0);
    expect((await api('GET', `/api/v1/alerts/history?rule_id=${rule.body.id}`)).body.items).toEqual(
      [],
    );
  });

  it('does not flap while the rate oscillates around the threshold', async () => {
    const T = BASE + 40 * MIN;
    const rule = await api('POST', '/api/v1/alerts/rules', {
      name: 'hovering',
      route: '/v1/hover',
      metric: 'error_rate_5xx',
      threshold: 0.1,
      window: '1m',
      min_requests: 20,
      targets: [{ url: receiverUrl, secret: SECRET }],
    });
    const id = rule.body.id;
    expect(rule.body.effective_resolve_threshold).toBeCloseTo(0.09);
    // Per-minute error rates: 12 %, 9.5 %, 11 %, 9.5 %, 12 %, 9.5 % — above, just below, …
    const rates = [12, 9.5, 11, 9.5, 12, 9.5];
    const events = rates.flatMap((r, i) =>
      minuteOf(T + i * MIN, 200, Math.round(r * 2), { route: '/v1/hover' }),
    );
    await createRequestsStore(t.ch, t.database).insertNew(events);
    const states: string[] = [];
    for (let i = 0; i < rates.length; i++) {
      const out = await evaluator().evaluate(T + i * MIN + 59_000);
      states.push(forRule(out, id)!.state);
    }
    expect(states).toEqual(['firing', 'firing', 'firing', 'firing', 'firing', 'firing']);
    await evaluator().idle();
    expect(received.map((r) => r.json.status)).toEqual(['firing']);
    // A real recovery (well under the resolve threshold) does resolve.
    await createRequestsStore(t.ch, t.database).insertNew(
      minuteOf(T + 6 * MIN, 200, 4, { route: '/v1/hover' }),
    );
    const out = await evaluator().evaluate(T + 6 * MIN + 59_000);
    expect(forRule(out, id)).toMatchObject({ state: 'ok', change: { to: 'resolved' } });
    await evaluator().idle();
    expect(received.map((r) => r.json.status)).toEqual(['firing', 'resolved']);
  });

  it('a pending rule whose condition clears does not fire', async () => {
    const T = BASE + 60 * MIN;
    const rule = await api('POST', '/api/v1/alerts/rules', {
      name: 'blip',
      route: '/v1/blip',
      metric: 'p99_ms',
      threshold: 500,
      window: '1m',
      min_requests: 10,
      for: '2m',
      targets: [{ url: receiverUrl }],
    });
    const id = rule.body.id;
    await createRequestsStore(t.ch, t.database).insertNew([
      ...minuteOf(T, 50, 0, { route: '/v1/blip', latency_ms: 900 }),
      ...minuteOf(T + MIN, 50, 0, { route: '/v1/blip', latency_ms: 20 }),
      ...minuteOf(T + 2 * MIN, 50, 0, { route: '/v1/blip', latency_ms: 900 }),
    ]);
    const states = [];
    for (let i = 0; i < 3; i++)
      states.push(forRule(await evaluator().evaluate(T + i * MIN + 59_000), id)!.state);
    expect(states).toEqual(['pending', 'ok', 'pending']);
    await evaluator().idle();
    expect(received).toHaveLength(0);
  });

  it('keeps a 1m window sliding across minute boundaries: no fall back to ok, no early resolve', async () => {
    const T = BASE + 80 * MIN;
    const rule = await api('POST', '/api/v1/alerts/rules', {
      name: 'across minutes',
      route: '/v1/slide',
      metric: 'error_rate_5xx',
      threshold: 0.5,
      window: '1m',
      min_requests: 10,
      for: '20s',
      targets: [{ url: receiverUrl }],
    });
    const id = rule.body.id;
    // An outage from 30 s into minute T; the next minute has only two requests so far.
    await createRequestsStore(t.ch, t.database).insertNew([
      ...Array.from({ length: 30 }, (_, i) =>
        makeEvent({ ts_ms: T + 30_000 + i * 1000, status: 503, route: '/v1/slide' }),
      ),
      makeEvent({ ts_ms: T + MIN + 1000, status: 503, route: '/v1/slide' }),
      makeEvent({ ts_ms: T + MIN + 2000, status: 503, route: '/v1/slide' }),
    ]);
    const steps: [number, string][] = [
      [T + 45_000, 'pending'],
      // 3 s into the next minute the last 60 s still hold the outage (a calendar minute would
      // hold 2 requests, under min_requests, and drop back to ok).
      [T + MIN + 3000, 'pending'],
      [T + MIN + 6000, 'firing'],
      // Still firing 20 s into the minute: not "recovered" for lack of requests in it.
      [T + MIN + 20_000, 'firing'],
      // Once the outage has slid out of the window, nothing is left: resolved.
      [T + 2 * MIN + 5000, 'ok'],
    ];
    const states: string[] = [];
    for (const [at] of steps) states.push(forRule(await evaluator().evaluate(at), id)!.state);
    expect(states).toEqual(steps.map(([, s]) => s));
    const history = await api('GET', `/api/v1/alerts/history?rule_id=${id}`);
    expect(
      history.body.items.map((h: { from_state: string; to_state: string }) => h.to_state),
    ).toEqual(['resolved', 'firing', 'pending']);
    expect(history.body.items[1]).toMatchObject({ value: 1, requests: 32 });
    await evaluator().idle();
    expect(received.map((r) => r.json.status)).toEqual(['firing', 'resolved']);
  });
});

describe('SLO burn-rate rule', () => {
  /** 20 requests a minute over `minutes` minutes ending at `endMs`; `errorsAt(i)` 500s in minute i. */
  function traffic(route: string, endMs: number, minutes: number, errorsAt: (i: number) => number) {
    const out: RequestEvent[] = [];
    for (let i = 0; i < minutes; i++) {
      const minute = endMs - (minutes - i) * MIN;
      out.push(...minuteOf(minute, 20, errorsAt(i), { route }));
    }
    return out;
  }

  it('fires on a fast burn and not on a slow one or one that already stopped', async () => {
    const END = BASE + 12 * 3_600_000;
    const store = createRequestsStore(t.ch, t.database);
    await store.insertNew([
      // Fast: the last 6 minutes fail at 20 % (burn 200× short, ~20× over the hour).
      ...traffic('/v1/fast', END, 60, (i) => (i >= 54 ? 4 : 0)),
      // Slow: one error every 10 minutes for 6 hours: 0.5 % → burn 5×, under every factor.
      ...traffic('/v1/slow', END, 360, (i) => (i % 10 === 0 ? 1 : 0)),
      // Stopped: a burst 40 minutes ago (the hour burns 20×) but the last 5 minutes are clean.
      ...traffic('/v1/stopped', END, 60, (i) => (i >= 15 && i < 21 ? 4 : 0)),
    ]);
    const ids: Record<string, string> = {};
    for (const route of ['/v1/fast', '/v1/slow', '/v1/stopped']) {
      const res = await api('POST', '/api/v1/alerts/rules', {
        name: `SLO ${route}`,
        kind: 'burn_rate',
        route,
        objective: 0.999,
        min_requests: 100,
        targets: [{ type: 'slack', url: receiverUrl }],
      });
      expect(res.status).toBe(201);
      expect(res.body.burn_windows).toEqual([
        { long: '1h', short: '5m', factor: 14.4 },
        { long: '6h', short: '30m', factor: 6 },
      ]);
      ids[route] = res.body.id;
    }
    const out = await evaluator().evaluate(END - 1000);
    expect(forRule(out, ids['/v1/fast']!)).toMatchObject({ state: 'firing' });
    expect(forRule(out, ids['/v1/slow']!)).toMatchObject({ state: 'ok' });
    expect(forRule(out, ids['/v1/stopped']!)).toMatchObject({ state: 'ok' });
    await evaluator().idle();
    expect(received).toHaveLength(1);
    expect(received[0]!.json.text).toContain('[FIRING] SLO /v1/fast');
    const [entry] = (await api('GET', `/api/v1/alerts/history?rule_id=${ids['/v1/fast']}`)).body
      .items;
    expect(entry.details.windows[0]).toMatchObject({
      long_ms: 3_600_000,
      short_ms: 300_000,
      factor: 14.4,
    });
    expect(entry.details.windows[0].short_burn).toBeGreaterThan(14.4);
    expect(entry.details.windows[0].long_burn).toBeGreaterThan(14.4);
  });
});
