/**
 * Tests only: a real upstream (node:http on port 0), a gateway started with `startGateway` on
 * a private PostgreSQL schema, Redis prefix and data dir, and an HTTPS client that trusts the
 * gateway's self-signed certificate.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { Agent, request } from 'undici';
import { type Config, type ConfigInput, parseConfig, tlsDir } from '../config.js';
import { createLogger } from '../logger.js';
import { type RunningGateway, type StartGatewayOptions, startGateway } from '../app.js';
import { createMemorySink } from '../policies/capture/index.js';
import { TEST_DATABASE_URL } from '../store/testing.js';

export const TEST_ADMIN_TOKEN = 'test-operator-token-0123456789';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface TestUpstream {
  url: string;
  seen: SeenRequest[];
  /** What reached the upstream other than the gateway's own OpenAPI reads. */
  forwarded(): SeenRequest[];
  /** Hold `/v1/slow` requests until released (upstream-timeout tests). */
  close(): Promise<void>;
}

export const UPSTREAM_PATHS = [
  '/v1/orders',
  '/v1/orders/{id}',
  '/v1/orders/{id}/cancel',
  '/v1/slow',
];

/** A small orders-API stand-in: echoes what it received, serves an OpenAPI with templates. */
export async function startUpstream(): Promise<TestUpstream> {
  const seen: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (req.url === '/openapi.json') {
        const paths = Object.fromEntries(UPSTREAM_PATHS.map((p) => [p, {}]));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ openapi: '3.1.0', paths }));
        return;
      }
      if (req.url?.startsWith('/v1/slow')) return; // never answers: the gateway must time out
      if (req.url?.startsWith('/v1/delay')) {
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ ok: true, delayed: true }));
        }, 400);
        return;
      }
      res.writeHead(200, {
        'content-type': 'application/json',
        'x-upstream': 'yes',
        // `x-hop` is declared hop-by-hop: a proxy must not pass it on (RFC 9110 7.6.1).
        connection: 'keep-alive, x-hop',
        'x-hop': 'secret-hop',
      });
      res.end(JSON.stringify({ ok: true, method: req.method, url: req.url, bytes: body.length }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    forwarded: () => seen.filter((r) => r.url !== '/openapi.json'),
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export function uniqueLabel(label: string): string {
  return `gw_${label}_${randomBytes(4).toString('hex')}`;
}

export interface TestGateway extends RunningGateway {
  config: Config;
  dataDir: string;
  sink: ReturnType<typeof createMemorySink>;
  logs: () => string;
  /** HTTPS request to the gateway, trusting its self-signed certificate. */
  call(
    method: string,
    path: string,
    opts?: { headers?: Record<string, string>; body?: string; baseUrl?: string },
    // biome-ignore lint/suspicious/noExplicitAny: test responses are asserted field by field
  ): Promise<{ status: number; headers: Record<string, string>; json: any; text: string }>;
  // biome-ignore lint/suspicious/noExplicitAny: test responses are asserted field by field
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }>;
  /** Creates a customer on `plan` and a key; returns the full key. */
  customerWithKey(
    plan?: string,
    scopes?: string[],
  ): Promise<{ customerId: string; key: string; keyId: string }>;
}

/**
 * Starts a gateway for one test file. `schema`/`dataDir` may be passed to share them with a
 * second gateway (the two-process tests).
 */
export async function startTestGateway(
  overrides: Partial<ConfigInput> & { upstreamUrl: string },
  extra: StartGatewayOptions = {},
): Promise<TestGateway> {
  const dataDir = overrides.dataDir ?? mkdtempSync(join(tmpdir(), 'gw-test-'));
  const schema = overrides.databaseSchema ?? uniqueLabel('data');
  const config = parseConfig({
    host: '127.0.0.1',
    httpsPort: 0,
    httpPort: 0,
    adminPort: 0,
    dataDir,
    databaseUrl: TEST_DATABASE_URL,
    databaseSchema: schema,
    adminToken: TEST_ADMIN_TOKEN,
    keyCacheRefreshMs: 200,
    logLevel: 'info',
    workers: 1,
    ...overrides,
  });
  let logText = '';
  const logger = createLogger(
    config.logLevel,
    new Writable({
      write(chunk, _enc, cb) {
        logText += chunk.toString();
        cb();
      },
    }) as unknown as Parameters<typeof createLogger>[1],
  );
  const sink = createMemorySink();
  const gw = await startGateway(config, { logger, sink, ...extra });
  // The generated dev certificate is trusted as a CA; a configured one is not checked.
  const agent = config.tls.certFile
    ? new Agent({ connect: { rejectUnauthorized: false } })
    : new Agent({
        connect: { ca: readFileSync(join(tlsDir(config), 'cert.pem')), servername: 'localhost' },
      });
  const tg: TestGateway = {
    ...gw,
    config,
    dataDir,
    sink,
    logs: () => logText,
    async call(method, path, opts = {}) {
      const res = await request(`${opts.baseUrl ?? gw.httpsUrl}${path}`, {
        method: method as 'GET',
        headers: opts.headers,
        body: opts.body,
        dispatcher: agent,
      });
      const text = await res.body.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers))
        headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
      return { status: res.statusCode, headers, json, text };
    },
    async admin(method, path, body) {
      const res = await fetch(`${gw.adminUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, json: text ? JSON.parse(text) : undefined };
    },
    async customerWithKey(plan = 'pro', scopes) {
      const c = await tg.admin('POST', '/v1/customers', { name: uniqueLabel('c'), plan });
      if (c.status !== 201)
        throw new Error(`create customer: ${c.status} ${JSON.stringify(c.json)}`);
      const k = await tg.admin('POST', `/v1/customers/${c.json.id}/keys`, scopes ? { scopes } : {});
      if (k.status !== 201) throw new Error(`create key: ${k.status} ${JSON.stringify(k.json)}`);
      return { customerId: c.json.id, key: k.json.secret, keyId: k.json.key_id };
    },
    async close() {
      await gw.close();
      await agent.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return tg;
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  stepMs = 50,
): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return check();
}

export interface GatewayProcess {
  httpsUrl: string;
  output: () => string;
  stop(): Promise<number | null>;
}

/**
 * A second gateway as a real OS process (`main.ts`), sharing the database schema, Redis prefix
 * and data dir (so the same dev certificate) of `like`.
 */
export async function spawnGatewayProcess(
  like: TestGateway,
  env: Record<string, string> = {},
): Promise<GatewayProcess> {
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const main = fileURLToPath(new URL('../main.ts', import.meta.url));
  const c = like.config;
  const child = spawn(process.execPath, ['--import', 'tsx', main], {
    env: {
      PATH: process.env.PATH ?? '',
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_HTTPS_PORT: '0',
      GATEWAY_HTTP_PORT: '0',
      GATEWAY_ADMIN_PORT: '0',
      GATEWAY_WORKERS: '1',
      GATEHOUSE_DATA_DIR: like.dataDir,
      GATEHOUSE_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      GATEWAY_UPSTREAM_URL: c.upstreamUrl,
      DATABASE_URL: c.databaseUrl ?? '',
      GATEWAY_DATABASE_SCHEMA: c.databaseSchema ?? '',
      GATEWAY_KEY_CACHE_REFRESH_MS: String(c.keyCacheRefreshMs),
      GATEWAY_REDIS_PREFIX: c.redisPrefix,
      ...(c.redisUrl ? { REDIS_URL: c.redisUrl } : {}),
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const httpsUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gateway process did not start:\n${output}`));
    }, 80_000);
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      const m = /"https":"(https:\/\/[^"]+)"/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway process exited ${code}:\n${output}`));
    });
  });
  return {
    httpsUrl,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
}

/** An HTTPS call to any gateway URL that trusts `gw`'s certificate. */
export async function callUrl(
  gw: TestGateway,
  url: string,
  headers: Record<string, string>,
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}> {
  const ca = readFileSync(join(tlsDir(gw.config), 'cert.pem'));
  const agent = new Agent({ connect: { ca, servername: 'localhost' } });
  try {
    const res = await request(url, { headers, dispatcher: agent });
    return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
  } finally {
    await agent.close();
  }
}
