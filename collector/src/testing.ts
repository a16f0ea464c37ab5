/** Test helpers: a unique ClickHouse database per test file, dropped afterwards. */
import { randomBytes } from 'node:crypto';
import type { RequestEvent } from '@gatehouse/shared';
import { inject } from 'vitest';
import { type ClickHouse, createClickHouse } from './clickhouse/client.js';
import { databaseIdent } from './clickhouse/escape.js';
import type { Config } from './config.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set by packages/local-clickhouse's vitest global setup. */
    clickhouseUrl: string;
  }
}

export function testClickHouseUrl(): string {
  const url = inject('clickhouseUrl') ?? process.env.CLICKHOUSE_URL;
  if (!url) throw new Error('no ClickHouse: the vitest global setup did not provide clickhouseUrl');
  return url;
}

export interface TestDatabase {
  ch: ClickHouse;
  url: string;
  database: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const url = testClickHouseUrl();
  const database = `gh_test_${randomBytes(6).toString('hex')}`;
  const ch = createClickHouse({ url });
  return {
    ch,
    url,
    database,
    async drop() {
      await ch.command(`DROP DATABASE IF EXISTS ${databaseIdent(database)}`);
      await ch.close();
    },
  };
}

let seq = 0;
/** A valid event with overridable fields. */
export function makeEvent(overrides: Partial<RequestEvent> = {}): RequestEvent {
  seq += 1;
  return {
    request_id: `req_${Date.now().toString(36)}_${seq}_${randomBytes(3).toString('hex')}`,
    trace_id: '',
    ts_ms: Date.now(),
    instance: 'test:1',
    customer_id: 'cus_a',
    key_id: 'key_a',
    auth_method: 'api_key',
    method: 'GET',
    route: '/v1/orders',
    path: '/v1/orders',
    status: 200,
    error_code: '',
    latency_ms: 10,
    upstream_latency_ms: 8,
    bytes_in: 0,
    bytes_out: 100,
    client_ip: '127.0.0.1',
    user_agent: 'test',
    rate_limited: false,
    idempotency_key: false,
    idempotent_replayed: false,
    ...overrides,
  };
}

export const TEST_INGEST_TOKEN = 'ingest-token-for-tests-0001';
export const TEST_ADMIN_TOKEN = 'admin-token-for-tests-00001';

/** A Config for tests: port 0, the test database, a fast flush and no dashboard. */
export function testConfig(
  t: { url: string; database: string },
  overrides: Partial<Config> = {},
): Config {
  return {
    host: '127.0.0.1',
    port: 0,
    clickhouseUrl: t.url,
    database: t.database,
    ingestToken: TEST_INGEST_TOKEN,
    adminToken: TEST_ADMIN_TOKEN,
    dashboardDir: '/nonexistent-dashboard',
    batchRows: 1000,
    flushMs: 20,
    maxQueueRows: 100_000,
    maxBodyBytes: 8 * 1024 * 1024,
    retention: { rawDays: 30, rollupDays: 400, intervalMs: 3_600_000 },
    logLevel: 'silent',
    ...overrides,
  };
}

export function ndjson(events: readonly unknown[]): string {
  return events.map((e) => JSON.stringify(e)).join('\n') + '\n';
}

export async function postEvents(
  url: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: AnyJson }> {
  const res = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${TEST_INGEST_TOKEN}`,
      'content-type': 'application/x-ndjson',
      ...headers,
    },
    body,
  });
  return { status: res.status, body: await res.json() };
}

// biome-ignore lint/suspicious/noExplicitAny: tests assert on arbitrary JSON shapes
type AnyJson = any;

export async function getJson(
  url: string,
  path: string,
  token = TEST_ADMIN_TOKEN,
): Promise<{ status: number; body: AnyJson }> {
  const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.json() };
}
