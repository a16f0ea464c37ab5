/**
 * The notification outbox on real PostgreSQL (own schema per test) and on PGlite (own data
 * directory per test), with a real local webhook receiver and scripted measurements (no
 * ClickHouse): a state change saved by a leader that goes away before sending is delivered
 * by the next one, exactly once; failing receivers are retried and then succeed, or end as
 * failed after the attempt limit; expired claims are sent again; a store created by the
 * version before the outbox upgrades in place.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import type { AlertQueries, WindowStats } from '../clickhouse/alert-queries.js';
import type { AlertsConfig } from '../config.js';
import { type Alerting, startAlerting } from './alerting.js';
import { openAlertsDb } from './alerts-db.js';
import { createAlertsStore, type HistoryRow } from './alerts-store.js';
import { migrateAlerts } from './migrations.js';
import {
  createNotificationOutbox,
  insertNotifications,
  newNotificationId,
} from './notification-outbox.js';
import { alertRoutes } from './routes.js';
import { RuleInputSchema } from './rule-schema.js';

const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
const SECRET = 'outbox-webhook-secret-001';
const ADMIN = 'admin-token-for-outbox-tests';
const log = pino({ level: 'silent' });
const schemas: string[] = [];
const dirs: string[] = [];

afterAll(async () => {
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await admin.end();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  // biome-ignore lint/suspicious/noExplicitAny: assertions walk arbitrary JSON
  json: any;
}

/** A local receiver answering the n-th request (from 1) with `answer(n)`; `hang` never answers. */
async function startReceiver(answer: (n: number) => number | 'hang' = () => 200) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ headers: req.headers, body, json: JSON.parse(body) });
      const a = answer(received.length);
      if (a !== 'hang') res.writeHead(a).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Measurements the tests set: `firing` breaches a 20 % 429-rate rule, `ok` recovers it. */
const FIRING: WindowStats = {
  requests: 100,
  errors_5xx: 0,
  status_4xx: 50,
  status_429: 50,
  p95_ms: 0,
  p99_ms: 0,
};
const OK: WindowStats = { ...FIRING, status_4xx: 0, status_429: 0 };

interface Backend {
  name: string;
  /** Several instances may have the store open at once (PGlite: one process, one opener). */
  concurrent: boolean;
  store(): Promise<Pick<AlertsConfig, 'databaseUrl' | 'dataDir' | 'schema'>>;
}

const postgres: Backend = {
  name: 'PostgreSQL',
  concurrent: true,
  async store() {
    const schema = `alerts_outbox_${randomBytes(5).toString('hex')}`;
    schemas.push(schema);
    return { databaseUrl: PG_URL, schema };
  },
};
const pglite: Backend = {
  name: 'PGlite',
  concurrent: false,
  async store() {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gh-outbox-'));
    dirs.push(dir);
    return { dataDir: path.join(dir, 'collector-db'), schema: 'collector_alerts' };
  },
};

/** One collector's alerting on `store`, evaluating whatever `stats.now` says. */
async function startInstance(
  store: Awaited<ReturnType<Backend['store']>>,
  stats: { now: WindowStats },
  overrides: Partial<AlertsConfig> = {},
) {
  const queries: AlertQueries = { windowStats: async () => stats.now };
  const registry = new Registry();
  const alerting = await startAlerting(
    {
      ...store,
      evalIntervalMs: 15_000,
      webhookAllowPrivate: true,
      webhookTimeoutMs: 2000,
      webhookMaxAttempts: 4,
      webhookBackoffMs: 20,
      schedule: false,
      ...overrides,
    },
    { queries, adminToken: ADMIN, log, externalUrl: () => 'http://collector.test', registry },
  );
  return { alerting, registry };
}

async function outcomes(registry: Registry): Promise<Record<string, number>> {
  const metric = registry.getSingleMetric('collector_alert_notifications_total');
  const values = (await metric!.get()).values;
  return Object.fromEntries(values.map((v) => [String(v.labels.result), v.value]));
}

async function createRule(a: Alerting, url: string) {
  return a.store.createRule(
    RuleInputSchema.parse({
      name: 'throttled',
      metric: 'rate_429',
      threshold: 0.2,
      targets: [{ url, secret: SECRET }],
    }),
  );
}

const historyOf = async (a: Alerting, ruleId: string): Promise<HistoryRow[]> =>
  a.store.history({ ruleId, limit: 10 });

describe.each([postgres, pglite])('on $name', (backend) => {
  it('a change saved by a leader that stops before sending is delivered once by the next leader', async () => {
    const receiver = await startReceiver();
    const store = await backend.store();
    const stats = { now: FIRING };
    const first = await startInstance(store, stats);
    try {
      const rule = await createRule(first.alerting, receiver.url);
      // The leader's sender is gone; evaluation still commits the change and its outbox row.
      await first.alerting.delivery.stop(0);
      expect(await first.alerting.runner.tick(1_000)).toBe(true);
      await first.alerting.evaluator.idle();
      expect(receiver.received).toHaveLength(0);
      const [saved] = await historyOf(first.alerting, rule.id);
      expect(saved).toMatchObject({ from_state: 'ok', to_state: 'firing' });
      expect(saved!.deliveries).toEqual([
        expect.objectContaining({ state: 'pending', attempts: 0, url: receiver.url }),
      ]);
      const key = saved!.deliveries[0]!.notification_id;

      let second: Awaited<ReturnType<typeof startInstance>>;
      if (backend.concurrent) {
        second = await startInstance(store, stats);
        // The first still leads: the second neither evaluates nor sends.
        expect(await second.alerting.runner.tick(16_000)).toBe(false);
        await second.alerting.evaluator.idle();
        expect(receiver.received).toHaveLength(0);
        await first.alerting.close();
      } else {
        await first.alerting.close();
        second = await startInstance(store, stats);
      }
      try {
        expect(await second.alerting.runner.tick(31_000)).toBe(true);
        await second.alerting.evaluator.idle();
        expect(receiver.received).toHaveLength(1);
        const got = receiver.received[0]!;
        expect(got.headers['gatehouse-notification-id']).toBe(key);
        expect(got.json).toMatchObject({ status: 'firing', notificationId: key });
        // Still firing on the next ticks: nothing new, nothing sent again.
        for (const at of [46_000, 61_000]) {
          expect(await second.alerting.runner.tick(at)).toBe(true);
          await second.alerting.evaluator.idle();
        }
        expect(receiver.received).toHaveLength(1);
        const [entry] = await historyOf(second.alerting, rule.id);
        expect(entry!.deliveries).toEqual([
          expect.objectContaining({
            notification_id: key,
            state: 'delivered',
            attempts: 1,
            last_status: 200,
            last_error: null,
          }),
        ]);
        expect(await outcomes(second.registry)).toEqual({ delivered: 1 });
      } finally {
        await second.alerting.close();
      }
    } finally {
      await first.alerting.close();
      await receiver.close();
    }
  }, 120_000);

  it('retries a failing receiver with backoff until it accepts, firing before resolved', async () => {
    // Fails the first three requests (network-style 503s), then accepts everything.
    const receiver = await startReceiver((n) => (n <= 3 ? 503 : 200));
    const stats = { now: FIRING };
    const one = await startInstance(await backend.store(), stats);
    try {
      const rule = await createRule(one.alerting, receiver.url);
      expect(await one.alerting.runner.tick(1_000)).toBe(true);
      // Resolved right away, while the firing notification is still being retried.
      stats.now = OK;
      expect(await one.alerting.runner.tick(16_000)).toBe(true);
      await one.alerting.evaluator.idle();
      expect(receiver.received.map((r) => r.json.status)).toEqual([
        'firing',
        'firing',
        'firing',
        'firing',
        'resolved',
      ]);
      const firingKeys = new Set(
        receiver.received.slice(0, 4).map((r) => r.headers['gatehouse-notification-id']),
      );
      expect(firingKeys.size).toBe(1);
      const history = await historyOf(one.alerting, rule.id);
      expect(history.map((h) => h.to_state)).toEqual(['resolved', 'firing']);
      expect(history[1]!.deliveries).toEqual([
        expect.objectContaining({ state: 'delivered', attempts: 4, last_status: 200 }),
      ]);
      expect(history[0]!.deliveries).toEqual([
        expect.objectContaining({ state: 'delivered', attempts: 1 }),
      ]);
      expect(await outcomes(one.registry)).toEqual({ retry: 3, delivered: 2 });
    } finally {
      await one.alerting.close();
      await receiver.close();
    }
  }, 120_000);

  it('marks a notification failed after the attempt limit when the receiver always fails', async () => {
    const receiver = await startReceiver(() => 500);
    const one = await startInstance(await backend.store(), { now: FIRING });
    try {
      const rule = await createRule(one.alerting, receiver.url);
      expect(await one.alerting.runner.tick(1_000)).toBe(true);
      await one.alerting.evaluator.idle();
      expect(receiver.received).toHaveLength(4);
      const [entry] = await historyOf(one.alerting, rule.id);
      expect(entry!.deliveries).toEqual([
        expect.objectContaining({
          state: 'failed',
          attempts: 4,
          last_status: 500,
          last_error: 'answered 500',
          next_attempt_at: null,
        }),
      ]);
      expect(await outcomes(one.registry)).toEqual({ retry: 3, failed: 1 });
      // Later ticks do not send a failed notification again.
      expect(await one.alerting.runner.tick(16_000)).toBe(true);
      await one.alerting.evaluator.idle();
      expect(receiver.received).toHaveLength(4);
    } finally {
      await one.alerting.close();
      await receiver.close();
    }
  }, 120_000);
});

describe('on PostgreSQL', () => {
  it('sends again a claim whose sender died, and ignores that sender’s late result', async () => {
    const receiver = await startReceiver();
    const store = await postgres.store();
    const stats = { now: FIRING };
    const leader = await startInstance(store, stats);
    try {
      const rule = await createRule(leader.alerting, receiver.url);
      await leader.alerting.delivery.stop(0);
      expect(await leader.alerting.runner.tick(1_000)).toBe(true);
      // A sender in another process claims the row (for 300 ms) and dies before answering.
      const db = await openAlertsDb({ url: PG_URL, schema: store.schema });
      const dead = createNotificationOutbox(db);
      try {
        const [claimed] = await dead.claimDue(10, 300);
        expect(claimed).toMatchObject({ rule_id: rule.id, attempts: 1 });
        // The leader leaves; the next one waits for the claim to expire, then sends.
        await leader.alerting.close();
        const next = await startInstance(store, stats);
        try {
          expect(await next.alerting.runner.tick(16_000)).toBe(true);
          await next.alerting.evaluator.idle();
          expect(receiver.received).toHaveLength(1);
          expect(receiver.received[0]!.headers['gatehouse-notification-id']).toBe(
            claimed!.notification_id,
          );
          // The dead sender's result, arriving late, no longer counts.
          expect(await dead.failed(claimed!, { ok: false, retry: false, error: 'late' })).toBe(
            false,
          );
          const [entry] = await historyOf(next.alerting, rule.id);
          expect(entry!.deliveries).toEqual([
            expect.objectContaining({ state: 'delivered', attempts: 2, last_error: null }),
          ]);
        } finally {
          await next.alerting.close();
        }
      } finally {
        await db.close();
      }
    } finally {
      await leader.alerting.close();
      await receiver.close();
    }
  }, 120_000);

  it('a leader shut down while a receiver hangs leaves the notification to the next leader', async () => {
    // The first request never gets an answer; later ones are accepted.
    const receiver = await startReceiver((n) => (n === 1 ? 'hang' : 200));
    const store = await postgres.store();
    const stats = { now: FIRING };
    const first = await startInstance(store, stats, { webhookTimeoutMs: 1000 });
    const rule = await createRule(first.alerting, receiver.url);
    expect(await first.alerting.runner.tick(1_000)).toBe(true);
    // Shut down as soon as the request is out: the answer never comes.
    while (receiver.received.length === 0) await new Promise((r) => setTimeout(r, 10));
    await first.alerting.close();
    const second = await startInstance(store, stats);
    try {
      expect(await second.alerting.runner.tick(16_000)).toBe(true);
      await second.alerting.evaluator.idle();
      // At least once: the same key twice, the receiver keeps one.
      expect(receiver.received.map((r) => r.headers['gatehouse-notification-id'])).toEqual([
        receiver.received[0]!.headers['gatehouse-notification-id'],
        receiver.received[0]!.headers['gatehouse-notification-id'],
      ]);
      const [entry] = await historyOf(second.alerting, rule.id);
      expect(entry!.deliveries).toEqual([
        expect.objectContaining({ state: 'delivered', attempts: 2, last_status: 200 }),
      ]);
    } finally {
      await second.alerting.close();
      await receiver.close();
    }
  }, 120_000);

  it('a receiver that fails does not hold up another target, and secrets go once sent', async () => {
    const failing = await startReceiver(() => 500);
    const working = await startReceiver();
    const store = await postgres.store();
    const one = await startInstance(store, { now: FIRING });
    try {
      const rule = await one.alerting.store.createRule(
        RuleInputSchema.parse({
          name: 'two targets',
          metric: 'rate_429',
          threshold: 0.2,
          targets: [
            { url: failing.url, secret: SECRET },
            { url: working.url, secret: SECRET },
          ],
        }),
      );
      expect(await one.alerting.runner.tick(1_000)).toBe(true);
      await one.alerting.evaluator.idle();
      expect(failing.received).toHaveLength(4);
      expect(working.received).toHaveLength(1);
      const keys = [failing.received[0]!, working.received[0]!].map(
        (r) => r.headers['gatehouse-notification-id'],
      );
      expect(new Set(keys).size).toBe(2);
      const res = await historyApi(one.alerting, rule.id);
      expect(res.items[0].deliveries).toEqual([
        expect.objectContaining({ url: failing.url, state: 'failed', attempts: 4 }),
        expect.objectContaining({ url: working.url, state: 'delivered', attempts: 1 }),
      ]);
      expect(res.items[0].notification).toEqual([
        {
          url: failing.url,
          type: 'webhook',
          ok: false,
          attempts: 4,
          status: 500,
          error: 'answered 500',
        },
        { url: working.url, type: 'webhook', ok: true, attempts: 1, status: 200 },
      ]);
      const db = await openAlertsDb({ url: PG_URL, schema: store.schema });
      try {
        expect(await db.query('SELECT secret FROM alert_notifications')).toEqual([
          { secret: null },
          { secret: null },
        ]);
      } finally {
        await db.close();
      }
    } finally {
      await one.alerting.close();
      await failing.close();
      await working.close();
    }
  }, 120_000);

  it('two senders claiming at once never get the same notification', async () => {
    const store = await postgres.store();
    const dbs = [
      await openAlertsDb({ url: PG_URL, schema: store.schema }),
      await openAlertsDb({ url: PG_URL, schema: store.schema }),
    ];
    try {
      await migrateAlerts(dbs[0]!);
      // 40 notifications for 40 rules (so none waits for another), in one transaction.
      await dbs[0]!.transaction(async (q) => {
        for (let i = 0; i < 40; i++) {
          const [h] = await q<{ id: number }>(
            `INSERT INTO alert_history (rule_id, rule_name, severity, from_state, to_state, value,
               threshold, requests, details, at)
             VALUES ($1, 'r', 'warning', 'ok', 'firing', 1, 0.5, 10, '{}', now()) RETURNING id`,
            [`rule_${i}`],
          );
          await insertNotifications(q, Number(h!.id), `rule_${i}`, [
            {
              notification_id: newNotificationId(),
              target_type: 'webhook',
              url: 'http://receiver.test/hook',
              secret: null,
              body: '{}',
            },
          ]);
        }
      });
      const claimed = await Promise.all(
        dbs.map(async (db) => {
          const outbox = createNotificationOutbox(db);
          const ids: number[] = [];
          for (;;) {
            const batch = await outbox.claimDue(3, 60_000);
            if (batch.length === 0) return ids;
            ids.push(...batch.map((n) => n.id));
          }
        }),
      );
      const all = claimed.flat();
      expect(all).toHaveLength(40);
      expect(new Set(all).size).toBe(40);
    } finally {
      for (const db of dbs) await db.close();
    }
  }, 120_000);

  it('gives up on a notification older than the age limit', async () => {
    const receiver = await startReceiver();
    const store = await postgres.store();
    const stats = { now: FIRING };
    const leader = await startInstance(store, stats);
    const rule = await createRule(leader.alerting, receiver.url);
    await leader.alerting.delivery.stop(0);
    expect(await leader.alerting.runner.tick(1_000)).toBe(true);
    await leader.alerting.close();
    const late = await startInstance(store, stats, { notificationMaxAgeMs: 1 });
    try {
      expect(await late.alerting.runner.tick(16_000)).toBe(true);
      await late.alerting.evaluator.idle();
      expect(receiver.received).toHaveLength(0);
      const [entry] = await historyOf(late.alerting, rule.id);
      expect(entry!.deliveries).toEqual([
        expect.objectContaining({
          state: 'failed',
          attempts: 0,
          last_error: 'gave up: not delivered within 1 ms',
        }),
      ]);
      expect(await outcomes(late.registry)).toEqual({ failed: 1 });
    } finally {
      await late.alerting.close();
      await receiver.close();
    }
  }, 120_000);

  it('upgrades a store written before the outbox, keeping rules and history', async () => {
    const receiver = await startReceiver();
    const store = await postgres.store();
    // The schema as the previous release created it, with a rule, its state and history.
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA ${store.schema}; SET search_path TO ${store.schema}`);
      await admin.query(PREVIOUS_SCHEMA);
      await admin.query(
        `INSERT INTO alert_rules (id, name, kind, metric, threshold, window_seconds, min_requests,
           for_seconds, slo_period_seconds, severity, targets, enabled)
         VALUES ('rule_old', 'old rule', 'threshold', 'rate_429', 0.2, 300, 20, 0, 2592000,
           'warning', $1::jsonb, true)`,
        [JSON.stringify([{ type: 'webhook', url: receiver.url }])],
      );
      await admin.query(
        `INSERT INTO alert_states VALUES ('rule_old', 'firing', now(), now(), 0.5, 100, now())`,
      );
      await admin.query(
        `INSERT INTO alert_history (rule_id, rule_name, severity, from_state, to_state, value,
           threshold, requests, details, at, notification)
         VALUES ('rule_old', 'old rule', 'warning', 'ok', 'firing', 0.5, 0.2, 100, '{}', now(),
           $1::jsonb)`,
        [
          JSON.stringify([
            { url: receiver.url, type: 'webhook', ok: true, attempts: 1, status: 200 },
          ]),
        ],
      );
    } finally {
      await admin.end();
    }
    const stats = { now: OK };
    const upgraded = await startInstance(store, stats);
    try {
      expect((await upgraded.alerting.store.getRule('rule_old'))?.name).toBe('old rule');
      // The old firing state resolves; the resolve goes through the outbox.
      expect(await upgraded.alerting.runner.tick(1_000)).toBe(true);
      await upgraded.alerting.evaluator.idle();
      expect(receiver.received.map((r) => r.json.status)).toEqual(['resolved']);
      const res = await historyApi(upgraded.alerting, 'rule_old');
      expect(res.items.map((h: { to_state: string }) => h.to_state)).toEqual([
        'resolved',
        'firing',
      ]);
      expect(res.items[0]).toMatchObject({
        notification: [{ url: receiver.url, type: 'webhook', ok: true, attempts: 1, status: 200 }],
        deliveries: [{ state: 'delivered', attempts: 1 }],
      });
      // The entry from before the upgrade keeps what the old version stored.
      expect(res.items[1]).toMatchObject({
        notification: [{ ok: true, attempts: 1, status: 200 }],
        deliveries: [],
      });
    } finally {
      await upgraded.alerting.close();
      await receiver.close();
    }
    // Migrating again changes nothing.
    const db = await openAlertsDb({ url: PG_URL, schema: store.schema });
    try {
      await migrateAlerts(db);
      expect(await createAlertsStore(db).history({ limit: 10 })).toHaveLength(2);
    } finally {
      await db.close();
    }
  }, 120_000);
});

/** GET /api/v1/alerts/history through the real router. */
// biome-ignore lint/suspicious/noExplicitAny: tests assert on arbitrary JSON shapes
async function historyApi(a: Alerting, ruleId: string): Promise<any> {
  const express = (await import('express')).default;
  const app = express();
  app.use(alertRoutes({ store: a.store, adminToken: ADMIN, allowPrivateTargets: true }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', () => r()));
  try {
    const port = (server.address() as AddressInfo).port;
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/alerts/history?rule_id=${ruleId}`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(res.status).toBe(200);
    return await res.json();
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
}

/** The tables as the release before the outbox created them (migrations.ts at that time). */
const PREVIOUS_SCHEMA = `
  CREATE TABLE alert_rules (
    id text PRIMARY KEY, name text NOT NULL, kind text NOT NULL, route text, customer_id text,
    metric text, threshold double precision, resolve_threshold double precision,
    window_seconds integer NOT NULL, min_requests integer NOT NULL, for_seconds integer NOT NULL,
    objective double precision, slo_period_seconds integer NOT NULL, burn_windows jsonb,
    severity text NOT NULL, targets jsonb NOT NULL, enabled boolean NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
  CREATE TABLE alert_states (
    rule_id text PRIMARY KEY REFERENCES alert_rules(id) ON DELETE CASCADE, state text NOT NULL,
    since timestamptz NOT NULL, firing_since timestamptz, value double precision NOT NULL,
    requests bigint NOT NULL, evaluated_at timestamptz NOT NULL);
  CREATE TABLE alert_history (
    id bigserial PRIMARY KEY, rule_id text NOT NULL, rule_name text NOT NULL,
    severity text NOT NULL, from_state text NOT NULL, to_state text NOT NULL,
    value double precision NOT NULL, threshold double precision NOT NULL, requests bigint NOT NULL,
    details jsonb NOT NULL, at timestamptz NOT NULL, notification jsonb);
  CREATE INDEX alert_history_at ON alert_history (at DESC, id DESC);
  CREATE INDEX alert_history_rule ON alert_history (rule_id, at DESC);`;
