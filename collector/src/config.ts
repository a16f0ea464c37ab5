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

const bool = z
  .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1');

const EnvSchema = z.object({
  COLLECTOR_HOST: z.string().min(1).default('127.0.0.1'),
  COLLECTOR_PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  CLICKHOUSE_URL: z.url({ message: 'must be an http(s) URL such as http://127.0.0.1:18123' }),
  CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'must be a plain identifier')
    .default('gatehouse'),
  // A `remote_servers` cluster name: migrations run ON CLUSTER with Replicated + Distributed
  // tables (see clickhouse/migrations.ts). Unset: one server.
  CLICKHOUSE_CLUSTER: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'must be a plain identifier (a remote_servers name)')
    .optional(),
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
  // alerts
  DATABASE_URL: z.string().min(1).optional(),
  GATEHOUSE_DATA_DIR: z.string().min(1).optional(),
  ALERTS_ENABLED: bool.default(true),
  ALERT_DB_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case identifier')
    .default('collector_alerts'),
  ALERT_EVAL_INTERVAL_MS: z.coerce.number().int().min(1000).max(3_600_000).default(15_000),
  ALERT_WEBHOOK_ALLOW_PRIVATE: bool.default(false),
  ALERT_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  ALERT_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  // 14 attempts with doubling backoff (capped at 5 min) ride out about 30 min of receiver outage.
  ALERT_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(30).default(14),
  ALERT_WEBHOOK_BACKOFF_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  ALERT_EXTERNAL_URL: z.url().optional(),
});

export interface Config {
  host: string;
  port: number;
  clickhouseUrl: string;
  database: string;
  /** ClickHouse cluster name (CLICKHOUSE_CLUSTER); undefined → single server. */
  clickhouseCluster?: string | undefined;
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
  /** Alerting; undefined → off (no rules store, `/api/v1/alerts/...` answers 404). */
  alerts?: AlertsConfig | undefined;
}

export interface AlertsConfig {
  /** PostgreSQL for the rules store; undefined → PGlite. */
  databaseUrl?: string | undefined;
  /** PGlite directory (`<GATEHOUSE_DATA_DIR>/collector-db`); undefined → in memory. */
  dataDir?: string | undefined;
  schema: string;
  evalIntervalMs: number;
  webhookAllowPrivate: boolean;
  webhookSecret?: string | undefined;
  webhookTimeoutMs: number;
  webhookMaxAttempts: number;
  webhookBackoffMs: number;
  /** Base URL used in notification links; default the collector's own URL. */
  externalUrl?: string | undefined;
  /** false: no evaluation timer (tests call the evaluator themselves). */
  schedule?: boolean;
  /** Undelivered notifications older than this are marked failed (default 24 h). */
  notificationMaxAgeMs?: number;
  /** How long a delivery claim holds before another collector may resend (default 2 × timeout + 5 s). */
  notificationClaimMs?: number;
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
    clickhouseCluster: e.CLICKHOUSE_CLUSTER,
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
    alerts: e.ALERTS_ENABLED
      ? {
          databaseUrl: e.DATABASE_URL,
          dataDir: e.GATEHOUSE_DATA_DIR
            ? path.join(e.GATEHOUSE_DATA_DIR, 'collector-db')
            : undefined,
          schema: e.ALERT_DB_SCHEMA,
          evalIntervalMs: e.ALERT_EVAL_INTERVAL_MS,
          webhookAllowPrivate: e.ALERT_WEBHOOK_ALLOW_PRIVATE,
          webhookSecret: e.ALERT_WEBHOOK_SECRET,
          webhookTimeoutMs: e.ALERT_WEBHOOK_TIMEOUT_MS,
          webhookMaxAttempts: e.ALERT_WEBHOOK_MAX_ATTEMPTS,
          webhookBackoffMs: e.ALERT_WEBHOOK_BACKOFF_MS,
          externalUrl: e.ALERT_EXTERNAL_URL,
        }
      : undefined,
  };
}
