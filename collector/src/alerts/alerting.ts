/**
 * Alerting's composition root inside the collector: rules store (PostgreSQL or PGlite) →
 * migrations → evaluator (ClickHouse rollups) → outbox → delivery loop (notifier) →
 * leader-elected runner, plus the HTTP routes. `app.ts` mounts `router` and calls `close()` on
 * shutdown.
 */
import type { Router } from 'express';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { type AlertQueries, createAlertQueries } from '../clickhouse/alert-queries.js';
import type { ClickHouse } from '../clickhouse/client.js';
import type { AlertsConfig } from '../config.js';
import { openAlertsDb } from './alerts-db.js';
import { type AlertsStore, createAlertsStore } from './alerts-store.js';
import { type AlertRunner, startAlertRunner } from './alert-runner.js';
import { type DeliveryLoop, type DeliveryMetrics, startDeliveryLoop } from './delivery-loop.js';
import { createEvaluator, type Evaluator } from './evaluator.js';
import { createLeaderLease } from './leader-lease.js';
import { migrateAlerts } from './migrations.js';
import { createNotificationOutbox } from './notification-outbox.js';
import { createNotifier } from './notifier.js';
import { alertRoutes } from './routes.js';

export interface Alerting {
  router: Router;
  store: AlertsStore;
  evaluator: Evaluator;
  runner: AlertRunner;
  /** Sends the outbox; tests stop it to play a leader that dies before sending. */
  delivery: DeliveryLoop;
  close(): Promise<void>;
}

/** Default age after which an undelivered notification is marked failed. */
export const NOTIFICATION_MAX_AGE_MS = 24 * 3_600_000;

function deliveryMetrics(registry: Registry): DeliveryMetrics {
  return {
    notifications: new Counter({
      name: 'collector_alert_notifications_total',
      help: 'Alert notification attempts by result: delivered, retry (will try again), failed (gave up).',
      labelNames: ['result'],
      registers: [registry],
    }),
    pending: new Gauge({
      name: 'collector_alert_notifications_pending',
      help: 'Alert notifications waiting in the outbox (reported by the leading collector, 0 on the others).',
      registers: [registry],
    }),
  };
}

export async function startAlerting(
  config: AlertsConfig,
  deps: {
    /** ClickHouse and its database for the evaluator's reads, unless `queries` is given. */
    ch?: ClickHouse | undefined;
    database?: string | undefined;
    adminToken: string;
    log: Logger;
    externalUrl: () => string;
    /** The collector's metrics registry (delivery counters); none → not exported. */
    registry?: Registry | undefined;
    /** Replaces the ClickHouse reads (tests script the measurements). */
    queries?: AlertQueries | undefined;
  },
): Promise<Alerting> {
  const queries =
    deps.queries ??
    (deps.ch && deps.database !== undefined
      ? createAlertQueries(deps.ch, deps.database)
      : undefined);
  if (!queries) throw new Error('alerting needs ClickHouse (ch and database) or queries');
  const where = config.databaseUrl
    ? 'PostgreSQL (DATABASE_URL)'
    : `PGlite (${config.dataDir ?? 'in memory'})`;
  const unusable = (err: unknown) =>
    new Error(`alert rules store in ${where} is not usable: ${(err as Error).message}`, {
      cause: err,
    });
  const db = await openAlertsDb({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    schema: config.schema,
  }).catch((err: unknown) => {
    throw unusable(err);
  });
  try {
    await migrateAlerts(db);
  } catch (err) {
    await db.close().catch(() => {});
    throw unusable(err);
  }
  const store = createAlertsStore(db);
  const notifier = createNotifier({
    allowPrivate: config.webhookAllowPrivate,
    defaultSecret: config.webhookSecret,
    timeoutMs: config.webhookTimeoutMs,
    externalUrl: () => config.externalUrl ?? deps.externalUrl(),
  });
  // The delivery loop asks the runner who leads; the runner is built after it.
  let runner: AlertRunner | undefined;
  const delivery = startDeliveryLoop({
    outbox: createNotificationOutbox(db),
    notifier,
    isLeader: () => runner?.isLeader() ?? false,
    maxAttempts: config.webhookMaxAttempts,
    backoffMs: config.webhookBackoffMs,
    maxAgeMs: config.notificationMaxAgeMs ?? NOTIFICATION_MAX_AGE_MS,
    // A send takes at most about two socket timeouts (connect, answer); past that a claim is
    // presumed dead and another collector may send again.
    claimMs: config.notificationClaimMs ?? 2 * config.webhookTimeoutMs + 5000,
    log: deps.log,
    metrics: deps.registry ? deliveryMetrics(deps.registry) : undefined,
  });
  const evaluator = createEvaluator({
    store,
    queries,
    notifier,
    delivery,
    log: deps.log,
  });
  const alertRunner = startAlertRunner({
    evaluator,
    delivery,
    lease: createLeaderLease(db),
    intervalMs: config.evalIntervalMs,
    log: deps.log,
    schedule: config.schedule !== false,
  });
  runner = alertRunner;
  let closing: Promise<void> | undefined;
  return {
    router: alertRoutes({
      store,
      adminToken: deps.adminToken,
      allowPrivateTargets: config.webhookAllowPrivate,
    }),
    store,
    evaluator,
    runner: alertRunner,
    delivery,
    close() {
      closing ??= (async () => {
        await alertRunner.stop();
        await db.close();
      })();
      return closing;
    },
  };
}
