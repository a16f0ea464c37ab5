/**
 * The gateway's composition root: `startGateway(config)` wires the key store and cache and the
 * admin app (GW-CONTROL), the policy chain, the forwarder, metrics and the analytics sink, and
 * listens on the HTTPS, plain-HTTP and admin ports. Tests and the launcher call it directly;
 * `main.ts` adds signals and cluster workers.
 */
import { hostname } from 'node:os';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { EventSink } from '@gatehouse/shared';
import { createAdminApp } from './admin/admin-app.js';
import { createShipper } from './analytics/shipper/index.js';
import { type Config, identityKeyPath, spoolDir, tlsDir } from './config.js';
import { createIdentitySigner } from './identity/identity-signer.js';
import { jwksOf, loadIdentityKey } from './identity/identity-key.js';
import { createKeyCache, type KeyCache } from './keys/key-cache.js';
import { createDataPlane, type LocalHandler } from './listener/data-plane.js';
import { createPlainServer, createTlsServer, drain, listen } from './listener/servers.js';
import { loadTlsMaterial, reloadTlsMaterial } from './listener/tls.js';
import { newTicketSecret, rotateTicketKeys } from './listener/tls-tickets.js';
import { createLogger, type Logger } from './logger.js';
import { gatewayAdminRoutes } from './metrics/admin-routes.js';
import { clusterMetricsSource } from './metrics/cluster-metrics.js';
import { createGatewayMetrics, type GatewayMetrics } from './metrics/gateway-metrics.js';
import { auth } from './policies/auth/index.js';
import { authFailureLimit } from './policies/auth-failure-limit/index.js';
import { bodyLimit } from './policies/body-limit/index.js';
import { capture, nullSink, plainHttpEvent } from './policies/capture/index.js';
import { credentialsInUrl } from './policies/credentials-in-url/index.js';
import { hsts } from './policies/hsts/index.js';
import { rateLimit } from './policies/rate-limit/index.js';
import { createMemoryStore } from './policies/rate-limit/stores/memory.js';
import { createRedisStore, type RedisConnection } from './policies/rate-limit/stores/redis.js';
import type { RateLimitStore } from './policies/rate-limit/stores/types.js';
import { requestId } from './policies/request-id/index.js';
import { createForwarder } from './proxy/forwarder.js';
import { createRouteTable } from './proxy/route-table.js';
import { createRouteTemplates } from './proxy/route-templates.js';
import { type GatewayStore, openGatewayStore } from './store/gateway-store.js';
import { createUsageHandler } from './usage/usage-handler.js';

export interface StartGatewayOptions {
  logger?: Logger;
  /** Where events go; default: the collector shipper when `COLLECTOR_URL` is set, else none. */
  sink?: EventSink;
  /** Shipper stats for the queue-depth / dropped metrics. */
  sinkStats?: () => { queued: number; dropped: number } | undefined;
  /** Serve the admin port from this process (false in cluster workers when the primary does). */
  admin?: boolean;
}

export interface RunningGateway {
  httpsUrl: string;
  httpUrl: string;
  /** '' when this process does not serve the admin port. */
  adminUrl: string;
  store: GatewayStore;
  cache: KeyCache;
  metrics: GatewayMetrics;
  logger: Logger;
  /**
   * The request listener the HTTPS port serves (the policy chain and the forwarder), for
   * benchmarks that measure it behind another listener (plain HTTP: the TLS cost). It treats
   * every request as arrived over TLS; the gateway's own plain-HTTP port never uses it.
   */
  handleRequest: (req: IncomingMessage, res: ServerResponse) => void;
  /** Re-read the certificate files (SIGHUP); open connections keep their session. */
  reloadTls(): void;
  close(): Promise<void>;
}

export async function startGateway(
  config: Config,
  options: StartGatewayOptions = {},
): Promise<RunningGateway> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const instance = `${hostname()}:${process.pid}`;
  const cleanups: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (error) {
        logger.warn({ err: error }, 'error during gateway shutdown');
      }
    }
    cleanups.length = 0;
  };

  try {
    const store = await openGatewayStore({
      url: config.databaseUrl,
      dataDir: config.dataDir,
      schema: config.databaseSchema,
    });
    cleanups.push(() => store.close());
    const cache = createKeyCache(store, {
      refreshMs: config.keyCacheRefreshMs,
      onError: (error) =>
        logger.warn({ err: error }, 'key cache refresh failed; serving last known keys'),
    });
    await cache.start();
    cleanups.push(() => cache.stop());

    const identityKey = loadIdentityKey(identityKeyPath(config), { generate: true });
    if (identityKey.generated) {
      logger.info(
        { path: identityKeyPath(config), kid: identityKey.kid },
        'generated identity signing key',
      );
    }
    const signer = createIdentitySigner(identityKey);

    let tls = await loadTlsMaterial({
      certFile: config.tls.certFile,
      keyFile: config.tls.keyFile,
      dir: tlsDir(config),
    });
    if (tls.generatedFingerprint) {
      logger.warn(
        { cert: tls.certPath, fingerprint: tls.generatedFingerprint },
        'no GATEWAY_TLS_CERT/GATEWAY_TLS_KEY: generated a self-signed DEVELOPMENT certificate',
      );
    } else if (tls.selfSigned) {
      logger.warn({ cert: tls.certPath }, 'serving the self-signed development certificate');
    }

    let sink = options.sink ?? nullSink;
    let sinkStats = options.sinkStats;
    if (!options.sink && config.collectorUrl) {
      let lastShipLog = 0;
      const shipper = createShipper({
        url: config.collectorUrl,
        token: config.collectorIngestToken ?? config.adminToken ?? '',
        spoolDir: spoolDir(config),
        maxSpoolBytes: config.spoolMaxBytes,
        flushMs: config.analyticsFlushMs,
        maxBatch: config.analyticsBatchEvents,
        onError: (error) => {
          if (Date.now() - lastShipLog > 10_000) {
            lastShipLog = Date.now();
            logger.warn({ err: (error as Error).message }, 'analytics shipping failed; spooling');
          }
        },
      });
      sink = shipper;
      sinkStats = () => shipper.stats();
      logger.info({ collector: config.collectorUrl }, 'shipping analytics events');
    }
    const eventSink = sink;
    cleanups.push(() => eventSink.close());
    const metrics = createGatewayMetrics({
      shipperStats: sinkStats,
      keyCacheStats: () => cache.stats(),
    });

    let limitStore: RateLimitStore;
    const redisCredentials = {
      ...(config.redisUsername ? { username: config.redisUsername } : {}),
      ...(config.redisPassword ? { password: config.redisPassword } : {}),
    };
    const redisConnection: RedisConnection | undefined = config.redisClusterNodes
      ? { clusterNodes: config.redisClusterNodes, ...redisCredentials }
      : config.redisSentinels && config.redisSentinelName
        ? {
            sentinels: config.redisSentinels,
            sentinelName: config.redisSentinelName,
            ...redisCredentials,
          }
        : config.redisUrl
          ? { url: config.redisUrl }
          : undefined;
    if (redisConnection) {
      let lastLog = 0;
      const redis = createRedisStore({
        ...redisConnection,
        onConnectionError: (error) => {
          // ioredis reconnects on its own; one line per 10 s is enough to say it is down.
          if (Date.now() - lastLog > 10_000) {
            lastLog = Date.now();
            logger.warn({ err: error.message }, 'rate-limit Redis unreachable; reconnecting');
          }
        },
      });
      if (!(await redis.ready(5000))) {
        logger.warn('rate-limit Redis not ready at start; limits are per process until it is');
      }
      limitStore = redis;
    } else {
      limitStore = createMemoryStore();
    }
    cleanups.push(() => limitStore.close());
    let lastStoreLog = 0;

    const templates = createRouteTemplates({
      upstreamUrl: config.upstreamUrl,
      refreshMs: config.routeTemplatesRefreshMs,
      onError: (error) =>
        logger.debug({ err: (error as Error).message }, 'route templates not refreshed'),
    });
    templates.start();
    cleanups.push(() => templates.stop());

    const routes = createRouteTable(config.routes, config.upstreamUrl);
    const forwarder = createForwarder({
      upstreams: routes.upstreams,
      timeoutMs: config.upstreamTimeoutMs,
      maxBodyBytes: config.maxBodyBytes,
      signer,
      onUpstreamError: (kind) => metrics.upstreamError(kind),
    });
    cleanups.push(() => forwarder.close());

    const local = new Map<string, LocalHandler>([
      [
        '/v1/usage',
        createUsageHandler({ collectorUrl: config.collectorUrl, token: config.adminToken }),
      ],
    ]);
    let draining = false;
    const forwardOnly = config.dataPlane === 'forward-only';
    if (forwardOnly) {
      logger.warn(
        'dataPlane: forward-only: NO authentication, rate limit or capture (benchmarking only)',
      );
    }
    const handler = createDataPlane({
      before: forwardOnly
        ? []
        : [
            requestId(),
            hsts({ maxAgeSeconds: config.hstsMaxAgeSeconds }),
            ...(config.dataPlane === 'full'
              ? [capture({ sink, observe: (e) => metrics.observe(e) }, { instance })]
              : []),
            credentialsInUrl(),
          ],
      after: forwardOnly
        ? []
        : [
            bodyLimit({ maxBytes: config.maxBodyBytes }),
            authFailureLimit(config.authFailureLimit),
            auth(
              { keys: cache, onFailure: (reason) => metrics.authFailure(reason) },
              { jwt: config.jwt },
            ),
            rateLimit(
              {
                store: limitStore,
                onRejected: (reason) => metrics.rateLimitRejected(reason),
                onStoreError: (error) => {
                  metrics.rateLimitStoreError();
                  if (Date.now() - lastStoreLog > 10_000) {
                    lastStoreLog = Date.now();
                    logger.warn(
                      { err: (error as Error).message, fail_mode: config.rateLimitFailMode },
                      config.rateLimitFailMode === 'open'
                        ? 'rate-limit store failed; using per-process limits'
                        : 'rate-limit store failed; refusing requests (RATE_LIMIT_FAIL_MODE=closed)',
                    );
                  }
                },
              },
              {
                prefix: config.redisPrefix,
                failMode: config.rateLimitFailMode,
                anonymous: config.anonymousLimit,
              },
            ),
          ],
      routes,
      templates,
      forwarder,
      local,
      logger,
      isDraining: () => draining,
    });

    const https = createTlsServer(tls, config.timeouts, handler);
    const tickets = rotateTicketKeys(https, config.tls.ticketSecret ?? newTicketSecret());
    cleanups.push(() => tickets.stop());
    const httpsPort = await listen(https as unknown as Server, config.httpsPort, config.host);
    cleanups.push(() => {
      draining = true;
      return drain(https as unknown as Server, config.shutdownGraceMs);
    });
    const plain = createPlainServer({
      timeouts: config.timeouts,
      redirect: config.httpRedirect,
      httpsPort: () => httpsPort,
      onAnswer: (req, answer) => {
        try {
          const event = plainHttpEvent(req, answer, instance);
          sink.push(event);
          metrics.observe(event);
        } catch {
          // Analytics never take the listener down.
        }
      },
    });
    const httpPort = await listen(plain, config.httpPort, config.host);
    cleanups.push(() => drain(plain, 1000));

    let adminUrl = '';
    if (options.admin !== false) {
      if (!config.adminToken) {
        throw new Error('GATEHOUSE_ADMIN_TOKEN is required to serve the admin API.');
      }
      const adminApp = createAdminApp({
        store,
        cache,
        adminToken: config.adminToken,
        corsOrigins: config.adminCorsOrigins,
        logger,
        extraRoutes: gatewayAdminRoutes({
          metrics,
          jwks: jwksOf(identityKey),
          adminToken: config.adminToken,
          metricsRequireToken: config.metricsRequireToken,
          collect: clusterMetricsSource(metrics.registry),
          // Ready while the key cache refreshes: a gateway serving stale keys would miss
          // revocations, so it should leave the load balancer.
          ready: () => {
            const at = cache.stats().lastRefreshAt;
            return at > 0 && Date.now() - at < Math.max(5000, config.keyCacheRefreshMs * 5);
          },
        }),
      });
      const { createServer } = await import('node:http');
      const adminServer = createServer(adminApp);
      const adminPort = await listen(adminServer, config.adminPort, config.adminHost);
      cleanups.push(() => drain(adminServer, 2000));
      adminUrl = `http://${urlHost(config.adminHost)}:${adminPort}`;
    }

    const httpsUrl = `https://${urlHost(config.host)}:${httpsPort}`;
    const httpUrl = `http://${urlHost(config.host)}:${httpPort}`;
    logger.info(
      {
        https: httpsUrl,
        http: httpUrl,
        admin: adminUrl || undefined,
        upstream: config.upstreamUrl,
      },
      'gateway listening',
    );

    return {
      httpsUrl,
      httpUrl,
      adminUrl,
      store,
      cache,
      metrics,
      logger,
      handleRequest: handler,
      reloadTls() {
        try {
          tls = reloadTlsMaterial(tls);
          // A new context would start with fresh ticket keys: keep the current ones, or no
          // session issued before the reload resumes (here, or on the other workers and hosts).
          https.setSecureContext({
            cert: tls.cert,
            key: tls.key,
            minVersion: 'TLSv1.2',
            ticketKeys: https.getTicketKeys(),
          });
          logger.info({ cert: tls.certPath }, 'reloaded TLS certificate');
        } catch (error) {
          logger.error({ err: error }, 'TLS reload failed; keeping the current certificate');
        }
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
