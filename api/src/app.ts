/**
 * Composition root of the orders API: wires config, database, identity, routes and the error
 * handler; `startApi(config)` runs it (tests, the launcher and `main.ts` all use it).
 */
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import express, { type Express, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { type Database, openDatabase } from './db/database.js';
import { migrate } from './db/migrate.js';
import { errorHandler, notFound } from './http/error-handler.js';
import { identity } from './http/identity.js';
import { jsonBody } from './http/json-body.js';
import { requestContext } from './http/request-id.js';
import { createLogger } from './logger.js';
import { purgeExpiredKeys } from './orders/idempotency-store.js';
import { batchRoutes } from './routes/batch.js';
import { docsRoutes } from './routes/docs.js';
import { exportRoutes } from './routes/export.js';
import { healthRoutes } from './routes/health.js';
import { ordersRoutes } from './routes/orders.js';
import { reportsRoutes } from './routes/reports.js';
import { signupsRoutes } from './routes/signups.js';
import { apiJobHandlers } from './jobs/handlers.js';
import { startWorker } from './jobs/worker.js';
import type { CallbackPolicy } from './jobs/callback-policy.js';

export interface AppDependencies {
  config: Config;
  db: Database;
  logger: Logger;
  /** Readiness turns 503 while shutting down so load balancers stop sending traffic. */
  isShuttingDown?: () => boolean;
}

/** An empty signing secret makes the report service refuse callback URLs (clear 422). */
export function callbackPolicy(config: Config): CallbackPolicy {
  return {
    allowPrivate: config.callbacks.allowPrivate,
    signingSecret: config.callbacks.signingSecret ?? '',
  };
}

const noStore: RequestHandler = function customerDataIsNotCached(_req, res, next) {
  res.setHeader('Cache-Control', 'no-store');
  next();
};

export async function createApp(deps: AppDependencies): Promise<Express> {
  const { config, db, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  // Orders carry their own version ETags; Express's body-hash ETags would mislead If-Match.
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.use(requestContext(logger));
  app.use(healthRoutes(db, deps.isShuttingDown ?? (() => false)));
  app.use(docsRoutes());

  const verifyIdentity = await identity(config.identity);
  const dispatch = (req: IncomingMessage, res: ServerResponse) => app(req, res);
  app.use('/v1', noStore, verifyIdentity, ...jsonBody());
  app.use(ordersRoutes(db));
  app.use(batchRoutes(db, () => dispatch));
  app.use(exportRoutes(db));
  app.use(reportsRoutes(db, callbackPolicy(config)));
  app.use(signupsRoutes(db));

  app.use(notFound());
  app.use(errorHandler());
  return app;
}

export interface RunningApi {
  url: string;
  port: number;
  db: Database;
  app: Express;
  server: Server;
  /** Graceful: stop accepting, let in-flight requests finish, stop the worker, close the pool. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** Use this database (tests); it is not closed by `close()`. */
  db?: Database;
  logger?: Logger;
  /** How long `close()` waits for in-flight requests before cutting connections. */
  shutdownGraceMs?: number;
}

const PURGE_EVERY_MS = 10 * 60 * 1000;

export async function startApi(config: Config, opts: StartOptions = {}): Promise<RunningApi> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const ownsDb = opts.db === undefined;
  // PGlite does not create missing parent directories (e.g. a fresh ./.data).
  if (ownsDb && !config.databaseUrl && config.pgliteDir)
    await mkdir(config.pgliteDir, { recursive: true });
  const db =
    opts.db ??
    (await openDatabase({
      url: config.databaseUrl,
      dataDir: config.databaseUrl ? undefined : config.pgliteDir,
      schema: config.dbSchema,
      poolSize: config.dbPoolSize,
      statementTimeoutMs: config.dbStatementTimeoutMs,
      onIdleError: (err) => logger.warn({ err }, 'idle database connection failed'),
    }));
  try {
    if (ownsDb) await migrate(db);
    let shuttingDown = false;
    const app = await createApp({ config, db, logger, isShuttingDown: () => shuttingDown });

    const purge = setInterval(() => {
      purgeExpiredKeys(db).catch((err) => logger.warn({ err }, 'idempotency purge failed'));
    }, PURGE_EVERY_MS);
    purge.unref();

    const server: Server = await new Promise((resolve, reject) => {
      const s = app.listen(config.port, config.host, (err?: Error) =>
        err ? reject(err) : resolve(s),
      );
    });
    // Slow clients must not hold connections forever.
    server.requestTimeout = 60_000;
    server.headersTimeout = 20_000;
    const { port } = server.address() as AddressInfo;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    const url = `http://${host}:${port}`;
    // The worker runs in the api process (durable jobs: another process may run one too).
    const worker = config.jobs.enabled
      ? startWorker(db, {
          handlers: apiJobHandlers(callbackPolicy(config)),
          pollMs: config.jobs.pollMs,
          leaseMs: config.jobs.leaseMs,
          logger: logger.child({ component: 'worker' }),
        })
      : undefined;
    logger.info({ url, database: db.kind, worker: worker?.id }, 'api listening');

    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= (async () => {
        shuttingDown = true;
        clearInterval(purge);
        // Stop accepting; idle keep-alive sockets close now, busy ones after their response.
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const grace = setTimeout(
          () => server.closeAllConnections(),
          opts.shutdownGraceMs ?? 10_000,
        );
        await closed;
        clearTimeout(grace);
        await worker?.stop();
        if (ownsDb) await db.close();
        logger.info('api stopped');
      })();
      return closing;
    };
    return { url, port, db, app, server, close };
  } catch (err) {
    if (ownsDb) await db.close();
    throw err;
  }
}
