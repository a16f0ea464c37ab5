/**
 * Composition root: ClickHouse facade → migrations → store, writer, queries → HTTP surface.
 * `startCollector(config)` is what tests, the launcher and `main.ts` use.
 */
import type { AddressInfo } from 'node:net';
import { ApiError } from '@gatehouse/shared';
import express from 'express';
import type { Logger } from 'pino';
import { type Alerting, startAlerting } from './alerts/alerting.js';
import { createAnalyticsQueries } from './clickhouse/analytics-queries.js';
import { createClickHouse } from './clickhouse/client.js';
import { migrate } from './clickhouse/migrations.js';
import { createRequestsStore } from './clickhouse/requests-store.js';
import { applyRetention, scheduleRetention } from './clickhouse/retention.js';
import type { Config } from './config.js';
import { CollectorErrors } from './errors.js';
import { dashboardRoutes } from './http/dashboard.js';
import { errorHandler, notFound } from './http/error-handler.js';
import { buildOpenApiDocument } from './http/openapi.js';
import { requestId } from './http/request-id.js';
import { createBatchWriter } from './ingest/batch-writer.js';
import { eventsRoute } from './ingest/events-route.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import { queryRoutes } from './query/routes.js';

export interface RunningCollector {
  url: string;
  port: number;
  /** Present when `config.alerts` is set: the evaluator, store and runner (tests drive them). */
  alerting?: Alerting | undefined;
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Run retention on start and on its interval (default true). Tests switch it off. */
  retention?: boolean;
  /** How long to retry reaching ClickHouse at start before giving up (default 30 000 ms). */
  clickhouseWaitMs?: number;
}

export async function startCollector(
  config: Config,
  options: StartOptions = {},
): Promise<RunningCollector> {
  const log = options.logger ?? createLogger(config.logLevel);
  const ch = createClickHouse({
    url: config.clickhouseUrl,
    // Cluster mode: an insert returns once its rows are on their shards, so the writer's next
    // dedup lookup (through the Distributed table) sees them.
    ...(config.clickhouseCluster ? { settings: { insert_distributed_sync: 1 } } : {}),
  });
  // ClickHouse may still be starting (or restarting after a crash): retry for a while.
  const deadline = Date.now() + (options.clickhouseWaitMs ?? 30_000);
  let warned = false;
  for (;;) {
    try {
      const applied = await migrate(ch, config.database, config.clickhouseCluster);
      if (applied.length > 0)
        log.info({ applied, database: config.database }, 'ClickHouse migrations applied');
      break;
    } catch (err) {
      if (Date.now() < deadline) {
        if (!warned) log.warn({ err: (err as Error).message }, 'waiting for ClickHouse');
        warned = true;
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      await ch.close();
      throw new Error(
        `ClickHouse at ${config.clickhouseUrl} is not usable: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  const metrics = createMetrics();
  const store = createRequestsStore(ch, config.database);
  const writer = createBatchWriter({
    store,
    batchRows: config.batchRows,
    flushMs: config.flushMs,
    maxQueueRows: config.maxQueueRows,
    metrics,
    onError: (err) =>
      log.warn({ err: (err as Error).message }, 'ClickHouse insert failed; senders will retry'),
  });
  const queries = createAnalyticsQueries(ch, config.database, {
    rawRetentionDays: config.retention.rawDays,
  });
  const openapi = buildOpenApiDocument();
  let url = '';
  let alerting: Alerting | undefined;
  if (config.alerts) {
    try {
      alerting = await startAlerting(config.alerts, {
        ch,
        database: config.database,
        adminToken: config.adminToken,
        log,
        externalUrl: () => url,
        registry: metrics.registry,
      });
    } catch (err) {
      await writer.close();
      await ch.close();
      throw err;
    }
  }

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestId);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const ok = await ch.ping().catch(() => false);
    if (!ok)
      throw new ApiError(CollectorErrors.service_unavailable, {
        message: 'ClickHouse is not reachable.',
      });
    res.json({ status: 'ready', clickhouse: 'ok', queue_rows: writer.depth() });
  });
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.use(
    eventsRoute({
      writer,
      metrics,
      ingestToken: config.ingestToken,
      maxBodyBytes: config.maxBodyBytes,
    }),
  );
  app.use(queryRoutes(queries, config.adminToken));
  if (alerting) app.use(alerting.router);
  const dashboard = dashboardRoutes(config.dashboardDir);
  if (dashboard) app.use(dashboard);
  app.use(notFound);
  app.use(errorHandler(log));

  const retention =
    options.retention === false
      ? undefined
      : scheduleRetention(
          async () => {
            const dropped = await applyRetention(
              ch,
              config.database,
              { rawDays: config.retention.rawDays, rollupDays: config.retention.rollupDays },
              Date.now(),
              config.clickhouseCluster,
            );
            if (dropped.raw.length + dropped.rollup.length > 0)
              log.info({ dropped }, 'retention dropped partitions');
          },
          config.retention.intervalMs,
          (err) => log.warn({ err: (err as Error).message }, 'retention run failed'),
        );

  const server = app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  server.keepAliveTimeout = 65_000;
  const port = (server.address() as AddressInfo).port;
  url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  log.info({ url, dashboard: Boolean(dashboard) }, 'collector listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    alerting,
    close() {
      closing ??= (async () => {
        retention?.stop();
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await writer.close();
        const force = setTimeout(() => server.closeAllConnections(), 5000);
        force.unref();
        await serverClosed;
        clearTimeout(force);
        await alerting?.close();
        await ch.close();
      })();
      return closing;
    },
  };
}
