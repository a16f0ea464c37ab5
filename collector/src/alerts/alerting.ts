/**
 * Alerting's composition root inside the collector: rules store (PostgreSQL or PGlite) →
 * migrations → evaluator (ClickHouse rollups) → notifier → leader-elected runner, plus the
 * HTTP routes. `app.ts` mounts `router` and calls `close()` on shutdown.
 */
import type { Router } from 'express';
import type { Logger } from 'pino';
import { createAlertQueries } from '../clickhouse/alert-queries.js';
import type { ClickHouse } from '../clickhouse/client.js';
import type { AlertsConfig } from '../config.js';
import { openAlertsDb } from './alerts-db.js';
import { type AlertsStore, createAlertsStore } from './alerts-store.js';
import { type AlertRunner, startAlertRunner } from './alert-runner.js';
import { createEvaluator, type Evaluator } from './evaluator.js';
import { createLeaderLease } from './leader-lease.js';
import { migrateAlerts } from './migrations.js';
import { createNotifier } from './notifier.js';
import { alertRoutes } from './routes.js';

export interface Alerting {
  router: Router;
  store: AlertsStore;
  evaluator: Evaluator;
  runner: AlertRunner;
  close(): Promise<void>;
}

export async function startAlerting(
  config: AlertsConfig,
  deps: {
    ch: ClickHouse;
    database: string;
    adminToken: string;
    log: Logger;
    externalUrl: () => string;
  },
): Promise<Alerting> {
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
  const evaluator = createEvaluator({
    store,
    queries: createAlertQueries(deps.ch, deps.database),
    notifier: createNotifier({
      allowPrivate: config.webhookAllowPrivate,
      defaultSecret: config.webhookSecret,
      timeoutMs: config.webhookTimeoutMs,
      maxAttempts: config.webhookMaxAttempts,
      backoffMs: config.webhookBackoffMs,
      externalUrl: () => config.externalUrl ?? deps.externalUrl(),
    }),
    log: deps.log,
  });
  const runner = startAlertRunner({
    evaluator,
    lease: createLeaderLease(db),
    intervalMs: config.evalIntervalMs,
    log: deps.log,
    schedule: config.schedule !== false,
  });
  let closing: Promise<void> | undefined;
  return {
    router: alertRoutes({
      store,
      adminToken: deps.adminToken,
      allowPrivateTargets: config.webhookAllowPrivate,
    }),
    store,
    evaluator,
    runner,
    close() {
      closing ??= (async () => {
        await runner.stop();
        await db.close();
      })();
      return closing;
    },
  };
}
