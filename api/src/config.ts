/**
 * The api's configuration, parsed once from the environment with zod. This is the only
 * module that reads `process.env`; everything else receives a `Config`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const EnvSchema = z.object({
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATABASE_URL: z.string().url().optional(),
  GATEHOUSE_DATA_DIR: z.string().min(1).default('./.data'),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(5000),
  GATEWAY_JWKS_URL: z.string().url().default('http://127.0.0.1:8444/.well-known/jwks.json'),
  GATEWAY_PUBLIC_KEY: z.string().optional(),
  API_DEV_CUSTOMER: z.string().max(128).optional(),
  CALLBACK_ALLOW_PRIVATE: bool.default(false),
  CALLBACK_SIGNING_SECRET: z.string().optional(),
  JOB_POLL_MS: z.coerce.number().int().min(10).default(500),
  JOB_LEASE_MS: z.coerce.number().int().min(100).default(30000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  API_WORKER: bool.default(true),
});

export interface Config {
  host: string;
  port: number;
  /** Set → pg pool against PostgreSQL; unset → PGlite. */
  databaseUrl: string | undefined;
  /** PGlite data directory; undefined → in-memory PGlite (tests). */
  pgliteDir: string | undefined;
  /** Tests: isolate every table in this PostgreSQL schema. */
  dbSchema?: string | undefined;
  dbPoolSize: number;
  dbStatementTimeoutMs: number;
  identity: {
    /** PEM (SPKI) text of the gateway's Ed25519 public key; wins over the JWKS URL. */
    publicKeyPem: string | undefined;
    jwksUrl: string;
    /** Development mode: requests without a token act as this customer. Off when undefined. */
    devCustomer: string | undefined;
  };
  callbacks: { allowPrivate: boolean; signingSecret: string | undefined };
  jobs: { pollMs: number; leaseMs: number; enabled: boolean };
  logLevel: string;
}

/** Parses the environment; throws an Error with one readable line on bad values. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')),
  );
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`invalid configuration: ${issue.path.join('.')}: ${issue.message}`);
  }
  const e = parsed.data;
  return {
    host: e.API_HOST,
    port: e.API_PORT,
    databaseUrl: e.DATABASE_URL,
    pgliteDir: join(e.GATEHOUSE_DATA_DIR, 'api-db'),
    dbPoolSize: e.DB_POOL_SIZE,
    dbStatementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
    identity: {
      publicKeyPem: e.GATEWAY_PUBLIC_KEY ? readPem(e.GATEWAY_PUBLIC_KEY) : undefined,
      jwksUrl: e.GATEWAY_JWKS_URL,
      devCustomer: e.API_DEV_CUSTOMER,
    },
    callbacks: { allowPrivate: e.CALLBACK_ALLOW_PRIVATE, signingSecret: e.CALLBACK_SIGNING_SECRET },
    jobs: { pollMs: e.JOB_POLL_MS, leaseMs: e.JOB_LEASE_MS, enabled: e.API_WORKER },
    logLevel: e.LOG_LEVEL,
  };
}

/** GATEWAY_PUBLIC_KEY is either the PEM text itself or a path to a file holding it. */
function readPem(value: string): string {
  if (value.includes('-----BEGIN')) return value.replace(/\\n/g, '\n');
  if (!existsSync(value)) {
    throw new Error(
      `invalid configuration: GATEWAY_PUBLIC_KEY: neither PEM text nor a file: ${value}`,
    );
  }
  return readFileSync(value, 'utf8');
}
