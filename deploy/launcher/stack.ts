/**
 * Starts the whole stack as separate processes (collector, gateway, api) plus a
 * project-owned ClickHouse when no URL is given. Used by `npm start` and by the whole-stack
 * tests, so both run the parts exactly as they run in production.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalClickHouse } from '@gatehouse/local-clickhouse';
import { GATEWAY_NODE_FLAGS } from '../../gateway/src/node-flags.js';
import { type PartProcess, spawnPart, waitHealthy } from './processes.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface StackPorts {
  api: number;
  collector: number;
  https: number;
  http: number;
  admin: number;
  clickhouseHttp: number;
  clickhouseTcp: number;
}

export const DEFAULT_PORTS: StackPorts = {
  api: 3000,
  collector: 4000,
  https: 8443,
  http: 8080,
  admin: 8444,
  clickhouseHttp: 18123,
  clickhouseTcp: 19000,
};

export interface StackOptions {
  dataDir: string;
  adminToken: string;
  ingestToken: string;
  callbackSecret: string;
  ports: StackPorts;
  clickhouseUrl?: string | undefined;
  /** Extra environment for every part (DATABASE_URL, REDIS_URL, LOG_LEVEL, …). */
  env?: Record<string, string>;
  /** Extra environment per part. */
  partEnv?: Partial<Record<'api' | 'gateway' | 'collector', Record<string, string>>>;
  /** Where part output goes; defaults to this process's stdout with a prefix. */
  onLine?: (part: string, line: string) => void;
}

export interface Stack {
  gatewayUrl: string;
  httpUrl: string;
  adminUrl: string;
  apiUrl: string;
  collectorUrl: string;
  clickhouseUrl: string;
  parts: Record<'api' | 'gateway' | 'collector', PartProcess>;
  /** Resolves with the part's name when any part exits unexpectedly. */
  unexpectedExit: Promise<string>;
  restart(part: 'api' | 'gateway' | 'collector'): Promise<void>;
  close(): Promise<void>;
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const { ports } = opts;
  let stopClickHouse: (() => Promise<void>) | undefined;
  let clickhouseUrl = opts.clickhouseUrl;
  if (!clickhouseUrl) {
    const ch = await startLocalClickHouse({
      dataDir: path.join(opts.dataDir, 'clickhouse'),
      httpPort: ports.clickhouseHttp,
      tcpPort: ports.clickhouseTcp,
    });
    clickhouseUrl = ch.url;
    stopClickHouse = ch.stop;
  }

  const apiUrl = `http://127.0.0.1:${ports.api}`;
  const collectorUrl = `http://127.0.0.1:${ports.collector}`;
  const adminUrl = `http://127.0.0.1:${ports.admin}`;
  const common = {
    GATEHOUSE_DATA_DIR: opts.dataDir,
    GATEHOUSE_ADMIN_TOKEN: opts.adminToken,
    ...opts.env,
  };
  const envFor: Record<'api' | 'gateway' | 'collector', Record<string, string>> = {
    collector: {
      ...common,
      COLLECTOR_PORT: String(ports.collector),
      CLICKHOUSE_URL: clickhouseUrl,
      COLLECTOR_INGEST_TOKEN: opts.ingestToken,
      ...opts.partEnv?.collector,
    },
    gateway: {
      ...common,
      GATEWAY_HTTPS_PORT: String(ports.https),
      GATEWAY_HTTP_PORT: String(ports.http),
      GATEWAY_ADMIN_PORT: String(ports.admin),
      GATEWAY_UPSTREAM_URL: apiUrl,
      COLLECTOR_URL: collectorUrl,
      COLLECTOR_INGEST_TOKEN: opts.ingestToken,
      // The dashboard is served by the collector and calls the admin API from the browser.
      ADMIN_CORS_ORIGINS: `${collectorUrl},http://localhost:${ports.collector}`,
      ...opts.partEnv?.gateway,
    },
    api: {
      ...common,
      API_PORT: String(ports.api),
      GATEWAY_JWKS_URL: `${adminUrl}/.well-known/jwks.json`,
      CALLBACK_SIGNING_SECRET: opts.callbackSecret,
      ...opts.partEnv?.api,
    },
  };
  const health: Record<'api' | 'gateway' | 'collector', string> = {
    collector: `${collectorUrl}/readyz`,
    gateway: `${adminUrl}/healthz`,
    api: `${apiUrl}/healthz`,
  };

  let closing = false;
  let reportExit: (name: string) => void = () => {};
  const unexpectedExit = new Promise<string>((resolve) => {
    reportExit = resolve;
  });
  const restarting = new Set<string>();
  const launch = (name: 'api' | 'gateway' | 'collector'): PartProcess => {
    const part = spawnPart(
      name,
      `${name}/src/main.ts`,
      envFor[name],
      repoRoot,
      opts.onLine,
      name === 'gateway' ? GATEWAY_NODE_FLAGS : [],
    );
    void part.exited.then(() => {
      if (!closing && !restarting.has(name)) reportExit(name);
    });
    return part;
  };

  const parts = {} as Record<'api' | 'gateway' | 'collector', PartProcess>;
  const stopAll = async () => {
    closing = true;
    for (const name of ['gateway', 'api', 'collector'] as const) await parts[name]?.stop();
    await stopClickHouse?.();
  };
  try {
    for (const name of ['collector', 'gateway', 'api'] as const) parts[name] = launch(name);
    await Promise.all(
      (['collector', 'gateway', 'api'] as const).map((n) => waitHealthy(parts[n], health[n])),
    );
  } catch (err) {
    await stopAll();
    throw err;
  }

  return {
    gatewayUrl: `https://127.0.0.1:${ports.https}`,
    httpUrl: `http://127.0.0.1:${ports.http}`,
    adminUrl,
    apiUrl,
    collectorUrl,
    clickhouseUrl,
    parts,
    unexpectedExit,
    async restart(name) {
      restarting.add(name);
      await parts[name].stop();
      parts[name] = launch(name);
      restarting.delete(name);
      await waitHealthy(parts[name], health[name]);
    },
    close: stopAll,
  };
}
