/**
 * Process entry: parse the configuration (one line and exit 1 when it is bad), start
 * OpenTelemetry when configured, then run the gateway: in-process for one worker, or a
 * node:cluster primary forking one worker per core (`GATEWAY_WORKERS`). The primary prepares
 * what must be identical in every worker (TLS certificate, identity key, operator token) before
 * forking. SIGTERM/SIGINT drain in-flight requests; SIGHUP reloads the TLS certificate.
 */
import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Config,
  ConfigError,
  gatewayDataDir,
  identityKeyPath,
  loadConfig,
  otelSettings,
  sharedRateLimits,
  tlsDir,
} from './config.js';
import { loadIdentityKey } from './identity/identity-key.js';
import { loadTlsMaterial } from './listener/tls.js';
import { createLogger } from './logger.js';
import { newTicketSecret } from './listener/tls-tickets.js';
import { serveClusterMetrics } from './metrics/cluster-metrics.js';
import { missingNodeFlags } from './node-flags.js';

function fatal(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

/** The operator token from the env, else one generated once into the data dir (0600). */
function ensureAdminToken(config: Config): { token: string; file?: string } {
  if (config.adminToken) return { token: config.adminToken };
  const file = join(gatewayDataDir(config), 'admin-token');
  if (!existsSync(file)) {
    mkdirSync(gatewayDataDir(config), { recursive: true });
    writeFileSync(file, randomBytes(24).toString('base64url'), { mode: 0o600 });
  }
  return { token: readFileSync(file, 'utf8').trim(), file };
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    fatal(
      error instanceof ConfigError
        ? error.message
        : `Invalid gateway configuration: ${String(error)}`,
    );
  }
  const logger = createLogger(config.logLevel);

  if (cluster.isPrimary) {
    const admin = ensureAdminToken(config);
    config = { ...config, adminToken: admin.token };
    if (admin.file)
      logger.info({ file: admin.file }, 'operator token (GATEHOUSE_ADMIN_TOKEN) is in this file');
    if (config.workers > 1 && !config.databaseUrl) {
      // PGlite is an embedded single-process database: several processes cannot share it.
      logger.warn('no DATABASE_URL: running one worker (the embedded PGlite is single-process)');
      config = { ...config, workers: 1 };
    }
    if (config.workers > 1 && !sharedRateLimits(config)) {
      logger.warn(
        { workers: config.workers },
        'no REDIS_URL (or REDIS_SENTINELS / REDIS_CLUSTER_NODES): rate limits are per worker process; set one for a shared limit',
      );
    }
  }

  const otel = otelSettings();
  const telemetry = otel.enabled
    ? await (await import('./telemetry/telemetry.js')).startTelemetry(otel.serviceName)
    : undefined;

  if (cluster.isPrimary && config.workers > 1) {
    // Same certificate, identity key and operator token in every worker.
    const tls = await loadTlsMaterial({
      certFile: config.tls.certFile,
      keyFile: config.tls.keyFile,
      dir: tlsDir(config),
    });
    if (tls.generatedFingerprint) {
      logger.warn(
        { cert: tls.certPath, fingerprint: tls.generatedFingerprint },
        'no GATEWAY_TLS_CERT/GATEWAY_TLS_KEY: generated a self-signed DEVELOPMENT certificate',
      );
    }
    loadIdentityKey(identityKeyPath(config), { generate: true });
    // Workers get the gateway's V8 flags even when the primary was started without them.
    cluster.setupPrimary({
      execArgv: [...process.execArgv, ...missingNodeFlags(process.execArgv)],
    });
    // One ticket secret for every worker, so a session resumes on whichever worker gets it.
    const ticketSecret = config.tls.ticketSecret ?? newTicketSecret();
    let stopping = false;
    const indexOf = new Map<number, number>();
    const fork = (index: number) => {
      const worker = cluster.fork({
        GATEHOUSE_ADMIN_TOKEN: config.adminToken,
        GATEWAY_TLS_TICKET_SECRET: ticketSecret,
        GATEWAY_WORKER_INDEX: String(index),
      });
      indexOf.set(worker.id, index);
    };
    serveClusterMetrics();
    for (let i = 0; i < config.workers; i++) fork(i);
    cluster.on('exit', (worker, code, signal) => {
      if (stopping) return;
      logger.error(
        { pid: worker.process.pid, code, signal },
        'gateway worker died; starting another',
      );
      fork(indexOf.get(worker.id) ?? 0);
    });
    process.on('SIGHUP', () => {
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGHUP');
    });
    const stop = () => {
      if (stopping) return;
      stopping = true;
      logger.info('stopping gateway workers');
      const workers = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
      let left = workers.length;
      if (left === 0) process.exit(0);
      for (const w of workers) {
        w.once('exit', () => {
          if (--left === 0)
            void (telemetry?.shutdown() ?? Promise.resolve()).finally(() => process.exit(0));
        });
        w.process.kill('SIGTERM');
      }
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    return;
  }

  const missing = missingNodeFlags(process.execArgv);
  if (missing.length > 0) {
    logger.warn(
      { missing },
      `node started without the gateway's V8 flags: full GCs come often and stall requests; start it as \`node ${missing.join(' ')} gateway/dist/main.js\``,
    );
  }
  const { startGateway } = await import('./app.js');
  const gateway = await startGateway(config, { logger });
  if (process.send) process.send({ type: 'gatehouse-gateway-ready', httpsUrl: gateway.httpsUrl });
  process.on('SIGHUP', () => gateway.reloadTls());
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    logger.info('draining and stopping');
    await gateway.close();
    await telemetry?.shutdown().catch(() => {});
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

main().catch((error: unknown) => {
  process.stderr.write(
    `gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
