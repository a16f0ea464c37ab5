/**
 * The whole stack for cross-part tests: the same launcher as `npm start`, on free loopback
 * ports, with real PostgreSQL (a fresh database per part), real Redis, and the ClickHouse the
 * Vitest global setup started (its own database per stack). Everything is dropped on close.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type Stack, type StackPorts, startStack as launch } from '../../deploy/launcher/stack.js';

export const POSTGRES_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = 'redis://127.0.0.1:6379';

export interface TestStack extends Stack {
  adminToken: string;
  ingestToken: string;
  dataDir: string;
  /** Every line each part printed, for log assertions (secrets must never appear). */
  logs: { part: string; line: string }[];
  clickhouseDatabase: string;
  /** The gateway's self-signed development certificate, to trust in clients. */
  caPem: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface TestStackOptions {
  partEnv?: Partial<Record<'api' | 'gateway' | 'collector', Record<string, string>>>;
  /** Print part output to stdout as well (debugging). */
  echo?: boolean;
  /**
   * A ClickHouse the test owns (fault tests kill and restart it) instead of the shared one the
   * Vitest global setup started.
   */
  clickhouseUrl?: string;
  /** A Redis the test owns (fault tests kill it) instead of the shared one on 6379. */
  redisUrl?: string;
}

export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const clickhouseUrl = options.clickhouseUrl ?? process.env.CLICKHOUSE_URL;
  if (!clickhouseUrl) {
    throw new Error(
      'CLICKHOUSE_URL is unset: run through vitest (its global setup starts ClickHouse)',
    );
  }
  const id = randomBytes(4).toString('hex');
  const dbs = { api: `gh_stack_api_${id}`, gateway: `gh_stack_gw_${id}` };
  await withAdmin(async (c) => {
    for (const db of Object.values(dbs)) await c.query(`CREATE DATABASE ${db}`);
  });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'gatehouse-stack-'));
  const ports: StackPorts = {
    api: await freePort(),
    collector: await freePort(),
    https: await freePort(),
    http: await freePort(),
    admin: await freePort(),
    clickhouseHttp: 0,
    clickhouseTcp: 0,
  };
  const adminToken = `gh_admin_${randomBytes(18).toString('base64url')}`;
  const ingestToken = randomBytes(18).toString('base64url');
  const clickhouseDatabase = `gh_stack_${id}`;
  const logs: { part: string; line: string }[] = [];
  const pgUrl = (db: string) => `postgres://postgres@127.0.0.1:5432/${db}`;

  const dropAll = async () => {
    await rm(dataDir, { recursive: true, force: true });
    await withAdmin(async (c) => {
      for (const db of Object.values(dbs))
        await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    });
    await fetch(clickhouseUrl, {
      method: 'POST',
      body: `DROP DATABASE IF EXISTS ${clickhouseDatabase}`,
    });
  };

  let stack: Stack;
  try {
    stack = await launch({
      dataDir,
      adminToken,
      ingestToken,
      callbackSecret: randomBytes(24).toString('base64url'),
      ports,
      clickhouseUrl,
      env: { LOG_LEVEL: 'info', GATEWAY_WORKERS: '1', REDIS_URL: options.redisUrl ?? REDIS_URL },
      partEnv: {
        api: {
          DATABASE_URL: pgUrl(dbs.api),
          CALLBACK_ALLOW_PRIVATE: 'true',
          ...options.partEnv?.api,
        },
        gateway: { DATABASE_URL: pgUrl(dbs.gateway), ...options.partEnv?.gateway },
        collector: {
          CLICKHOUSE_DATABASE: clickhouseDatabase,
          COLLECTOR_FLUSH_MS: '200',
          ...options.partEnv?.collector,
        },
      },
      onLine: (part, line) => {
        logs.push({ part, line });
        if (options.echo) process.stdout.write(`[${part}] ${line}\n`);
      },
    });
  } catch (err) {
    const tail = logs
      .slice(-40)
      .map((l) => `[${l.part}] ${l.line}`)
      .join('\n');
    await dropAll();
    throw new Error(`${(err as Error).message}\n${tail}`);
  }
  const caPem = await readFile(path.join(dataDir, 'gateway', 'tls', 'cert.pem'), 'utf8');
  return {
    ...stack,
    caPem,
    adminToken,
    ingestToken,
    dataDir,
    logs,
    clickhouseDatabase,
    async close() {
      await stack.close();
      await dropAll();
    },
  };
}

/** The name the dashboard's end-to-end test uses. */
export const startStack = startTestStack;
