/**
 * The collector's configuration, parsed once from the environment with zod. The only module
 * reading `process.env`; everything else receives a `Config`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** `<repo>/dashboard/dist`, resolved from this file so it works from any working directory. */
export const DEFAULT_DASHBOARD_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../dashboard/dist',
);

const EnvSchema = z.object({
  COLLECTOR_HOST: z.string().min(1).default('127.0.0.1'),
  COLLECTOR_PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  CLICKHOUSE_URL: z.url({ message: 'must be an http(s) URL such as http://127.0.0.1:18123' }),
  CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'must be a plain identifier')
    .default('gatehouse'),
  COLLECTOR_INGEST_TOKEN: z.string().min(16, 'must be at least 16 characters'),
  GATEHOUSE_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters'),
  DASHBOARD_DIR: z.string().min(1).default(DEFAULT_DASHBOARD_DIR),
  COLLECTOR_BATCH_ROWS: z.coerce.number().int().min(1).max(1_000_000).default(50_000),
  COLLECTOR_FLUSH_MS: z.coerce.number().int().min(1).max(60_000).default(1000),
  COLLECTOR_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(32 * 1024 * 1024),
  RETENTION_RAW_DAYS: z.coerce.number().int().min(1).default(30),
  RETENTION_ROLLUP_DAYS: z.coerce.number().int().min(1).default(400),
  RETENTION_INTERVAL_MS: z.coerce.number().int().min(1000).default(3_600_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  host: string;
  port: number;
  clickhouseUrl: string;
  database: string;
  ingestToken: string;
  adminToken: string;
  /** Served at `/` with SPA fallback when the directory exists. */
  dashboardDir: string;
  batchRows: number;
  flushMs: number;
  /** Rows waiting for ClickHouse beyond which ingest answers 503 (back-pressure). */
  maxQueueRows: number;
  maxBodyBytes: number;
  retention: { rawDays: number; rollupDays: number; intervalMs: number };
  logLevel: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment; throws a ConfigError with one readable line on bad values. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  if (!env.CLICKHOUSE_URL) {
    throw new ConfigError(
      'CLICKHOUSE_URL is not set: point it at a ClickHouse HTTP endpoint (e.g. http://127.0.0.1:18123) or run `npm start`, which starts a local ClickHouse.',
    );
  }
  const parsed = EnvSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')),
  );
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${issue.path.join('.') || 'environment'}: ${issue.message}`);
  }
  const e = parsed.data;
  return {
    host: e.COLLECTOR_HOST,
    port: e.COLLECTOR_PORT,
    clickhouseUrl: e.CLICKHOUSE_URL,
    database: e.CLICKHOUSE_DATABASE,
    ingestToken: e.COLLECTOR_INGEST_TOKEN,
    adminToken: e.GATEHOUSE_ADMIN_TOKEN,
    dashboardDir: e.DASHBOARD_DIR,
    batchRows: e.COLLECTOR_BATCH_ROWS,
    flushMs: e.COLLECTOR_FLUSH_MS,
    maxQueueRows: e.COLLECTOR_BATCH_ROWS * 4,
    maxBodyBytes: e.COLLECTOR_MAX_BODY_BYTES,
    retention: {
      rawDays: e.RETENTION_RAW_DAYS,
      rollupDays: e.RETENTION_ROLLUP_DAYS,
      intervalMs: e.RETENTION_INTERVAL_MS,
    },
    logLevel: e.LOG_LEVEL,
  };
}
