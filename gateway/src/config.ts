/**
 * The gateway's configuration: one YAML (or JSON) file named by `GATEWAY_CONFIG` for routes,
 * JWT and limits, plus environment overrides for everything DESIGN.md names. Parsed once with
 * zod at start; the only module that reads `process.env`. A bad configuration becomes one
 * `ConfigError` line saying what is wrong and where (file path + key, or env var).
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
/** Booleans from YAML or env (`true`/`false`/`1`/`0`); z.coerce.boolean would read "false" as true. */
const boolish = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0'])])
  .transform((v) => v === true || v === 'true' || v === '1');

/** Limits that can override a plan's on one route (own bucket per customer and route). */
export const RouteRateLimitSchema = z
  .object({
    requests_per_minute: positiveInt,
    burst: positiveInt,
    requests_per_second: positiveInt.nullable().optional(),
  })
  .strict();

export const RouteSchema = z
  .object({
    /** Path prefix, matched on whole segments (`/v1/orders` matches `/v1/orders/1`, not `/v1/ordersx`). */
    prefix: z.string().startsWith('/'),
    /** Upstream origin for this route; the global `upstreamUrl` when absent. */
    upstream: z.url().optional(),
    /** Allowed methods; every method when absent. */
    methods: z.array(z.string().toUpperCase()).optional(),
    /** `public` routes skip authentication and rate-limit per client IP. */
    auth: z.enum(['required', 'public']).default('required'),
    /** Every scope listed must be granted to the caller (403 `forbidden` otherwise). */
    scopes: z.array(z.string().min(1)).default([]),
    rateLimit: RouteRateLimitSchema.optional(),
  })
  .strict();
export type RouteConfig = z.infer<typeof RouteSchema>;

/** Every orders-API path from DESIGN.md: docs and health public, the API behind auth. */
export const DEFAULT_ROUTES: RouteConfig[] = [
  { prefix: '/openapi.json', auth: 'public', scopes: [], methods: ['GET', 'HEAD'] },
  { prefix: '/docs', auth: 'public', scopes: [], methods: ['GET', 'HEAD'] },
  { prefix: '/healthz', auth: 'public', scopes: [], methods: ['GET', 'HEAD'] },
  { prefix: '/readyz', auth: 'public', scopes: [], methods: ['GET', 'HEAD'] },
  { prefix: '/v1', auth: 'required', scopes: [] },
];

export const JwtSchema = z
  .object({
    /** JWKS URL; cached, refetched on an unknown `kid` at most once per `jwksCooldownMs`. */
    jwksUrl: z.url().optional(),
    /** Static public keys (PEM SPKI strings or JWK objects with `kid`). */
    publicKeys: z
      .array(z.union([z.string().min(1), z.record(z.string(), z.unknown())]))
      .default([]),
    issuer: z.string().min(1).optional(),
    audience: z.string().min(1).optional(),
    algorithms: z
      .array(z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA']))
      .min(1)
      .default(['RS256', 'ES256', 'EdDSA']),
    clockSkewSeconds: z.coerce.number().int().min(0).max(600).default(60),
    /** Claim holding the customer id. */
    customerClaim: z.string().min(1).default('sub'),
    jwksCooldownMs: positiveInt.default(30_000),
  })
  .strict()
  .refine((j) => j.jwksUrl !== undefined || j.publicKeys.length > 0, {
    message: 'needs jwksUrl or publicKeys',
  });

/**
 * `host:port,host:port` (env) or a YAML list of `host:port` strings → `{ host, port }[]`.
 * IPv6 hosts go in brackets (`[::1]:26379`).
 */
const hostPortList = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : v,
  z
    .array(
      z
        .string()
        .regex(/^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]]+):\d{1,5}$/, 'each entry must be host:port')
        .transform((s) => {
          const at = s.lastIndexOf(':');
          return { host: s.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(s.slice(at + 1)) };
        })
        .refine((n) => n.port >= 1 && n.port <= 65535, 'port must be 1-65535'),
    )
    .min(1, 'needs at least one host:port'),
);

const LimitSchema = z.object({ requests_per_minute: positiveInt, burst: positiveInt }).strict();

export const ConfigSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    httpsPort: port.default(8443),
    httpPort: port.default(8080),
    /** Plain HTTP: redirect GET/HEAD to HTTPS instead of answering 426. */
    httpRedirect: boolish.default(false),
    adminHost: z.string().min(1).default('127.0.0.1'),
    adminPort: port.default(8444),
    tls: z
      .object({
        certFile: z.string().min(1).optional(),
        keyFile: z.string().min(1).optional(),
        /**
         * Session-ticket keys are derived from it, so every process and host given the same
         * secret resumes each other's TLS sessions. Unset: the gateway makes one per start,
         * shared by its cluster workers.
         */
        ticketSecret: z
          .string()
          .min(32, 'GATEWAY_TLS_TICKET_SECRET must be at least 32 characters')
          .optional(),
      })
      .strict()
      .default({})
      .refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), {
        message: 'set both GATEWAY_TLS_CERT and GATEWAY_TLS_KEY, or neither',
      }),
    hstsMaxAgeSeconds: z.coerce.number().int().min(0).default(31_536_000),
    upstreamUrl: z.url().default('http://127.0.0.1:3000'),
    upstreamTimeoutMs: positiveInt.default(30_000),
    /** How often route templates are re-read from the upstream's `/openapi.json`. */
    routeTemplatesRefreshMs: positiveInt.default(60_000),
    workers: positiveInt.default(availableParallelism()),
    identityKeyFile: z.string().min(1).optional(),
    adminToken: z.string().min(16).optional(),
    dataDir: z.string().min(1).default('./.data'),
    databaseUrl: z.string().min(1).optional(),
    /** PostgreSQL schema for the gateway tables (tests use one per file). */
    databaseSchema: z.string().min(1).optional(),
    keyCacheRefreshMs: positiveInt.default(1000),
    redisUrl: z.string().min(1).optional(),
    /** Redis Sentinel: the sentinels to ask for the current primary of `redisSentinelName`. */
    redisSentinels: hostPortList.optional(),
    /** The Sentinel master group name (`sentinel monitor <name> ...`). */
    redisSentinelName: z.string().min(1).optional(),
    /** Redis Cluster: seed nodes; the client discovers the rest. */
    redisClusterNodes: hostPortList.optional(),
    /** ACL user / password on the Redis data nodes (Sentinel or Cluster; REDIS_URL has its own). */
    redisUsername: z.string().min(1).optional(),
    redisPassword: z.string().min(1).optional(),
    /** Prefix of every Redis key the gateway writes (tests use one per file). */
    redisPrefix: z.string().default('gatehouse:rl:'),
    rateLimitFailMode: z.enum(['open', 'closed']).default('open'),
    /** Limits for public routes, per client IP. */
    anonymousLimit: LimitSchema.default({ requests_per_minute: 600, burst: 100 }),
    /** Failed authentications allowed per client IP before 429 `too_many_auth_failures`. */
    authFailureLimit: LimitSchema.default({ requests_per_minute: 30, burst: 30 }),
    collectorUrl: z.url().optional(),
    collectorIngestToken: z.string().min(1).optional(),
    spoolDir: z.string().min(1).optional(),
    /**
     * Disk the analytics spool may use (per process: cluster workers each have their own) before
     * the oldest spooled events are dropped and counted. Sized for the longest collector or
     * ClickHouse outage to ride out: about 100 bytes per event (gzip-compressed batches).
     */
    spoolMaxBytes: positiveInt.default(256 * 1024 * 1024),
    /**
     * Longest an event waits in memory before a partial batch goes to the collector. Shorter
     * shows traffic sooner on the dashboard; longer sends fewer, larger batches (each batch has a
     * fixed cost: a gzip stream, a POST, an insert wait).
     */
    analyticsFlushMs: positiveInt.max(600_000).default(1_000),
    /** Events per batch: a batch this full goes at once, without waiting for the flush timer. */
    analyticsBatchEvents: positiveInt.max(100_000).default(5_000),
    /** Set by the cluster primary for each worker (stable across restarts): own spool dir. */
    workerIndex: z.coerce.number().int().min(0).optional(),
    maxBodyBytes: positiveInt.default(1_048_576),
    timeouts: z
      .object({
        headersMs: positiveInt.default(10_000),
        requestMs: positiveInt.default(60_000),
        keepAliveMs: positiveInt.default(5_000),
      })
      .strict()
      .default({ headersMs: 10_000, requestMs: 60_000, keepAliveMs: 5_000 }),
    shutdownGraceMs: positiveInt.default(10_000),
    logLevel: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
    /** Browser origins allowed to call the admin API (the dashboard's origin). */
    adminCorsOrigins: z
      .preprocess(
        (v) =>
          typeof v === 'string'
            ? v
                .split(',')
                .map((o) => o.trim())
                .filter(Boolean)
            : v,
        z.array(z.url()),
      )
      .optional(),
    /** Protect `/metrics` with the operator token. */
    metricsRequireToken: boolish.default(false),
    routes: z.array(RouteSchema).min(1).default(DEFAULT_ROUTES),
    jwt: JwtSchema.optional(),
    /**
     * What the HTTPS data plane runs: `full` (every policy); `no-capture` (no analytics events
     * and no request metrics, which capture feeds); `forward-only` (no policy at all: no
     * request id, no auth, no rate limit, no capture). The last two exist to measure what the
     * policies cost (bench/); `forward-only` serves WITHOUT authentication, so it is refused
     * unless the data plane listens on a loopback address. File or programmatic only, no env.
     */
    dataPlane: z.enum(['full', 'no-capture', 'forward-only']).default('full'),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.dataPlane === 'forward-only' && !isLoopbackHost(c.host)) {
      ctx.addIssue({
        code: 'custom',
        path: ['dataPlane'],
        message: `forward-only serves without authentication: only on a loopback host (got host ${c.host})`,
      });
    }
    const modes = [
      c.redisUrl && 'REDIS_URL',
      c.redisSentinels && 'REDIS_SENTINELS',
      c.redisClusterNodes && 'REDIS_CLUSTER_NODES',
    ].filter(Boolean);
    if (modes.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: [c.redisClusterNodes ? 'redisClusterNodes' : 'redisSentinels'],
        message: `set only one of REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER_NODES (got ${modes.join(' and ')})`,
      });
    }
    if (c.redisSentinels && !c.redisSentinelName) {
      ctx.addIssue({
        code: 'custom',
        path: ['redisSentinels'],
        message: 'REDIS_SENTINELS needs REDIS_SENTINEL_NAME (the monitored master group name)',
      });
    }
    if ((c.redisUsername || c.redisPassword) && !c.redisSentinels && !c.redisClusterNodes) {
      ctx.addIssue({
        code: 'custom',
        path: [c.redisPassword ? 'redisPassword' : 'redisUsername'],
        message:
          'REDIS_USERNAME/REDIS_PASSWORD apply to REDIS_SENTINELS or REDIS_CLUSTER_NODES; with REDIS_URL put them in the URL',
      });
    }
    if (c.redisSentinelName && !c.redisSentinels) {
      ctx.addIssue({
        code: 'custom',
        path: ['redisSentinelName'],
        message: 'REDIS_SENTINEL_NAME is set but REDIS_SENTINELS (host:port,...) is not',
      });
    }
  });

/** 127.0.0.0/8, ::1 and localhost: addresses no other machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Whether rate limits are shared through Redis (any of the three connection modes). */
export function sharedRateLimits(config: Config): boolean {
  return Boolean(config.redisUrl || config.redisSentinels || config.redisClusterNodes);
}

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;

/** One line, fit for stderr: what is wrong and where. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Environment variable → config key (dotted for nested). */
const ENV_KEYS: Record<string, string> = {
  GATEWAY_HOST: 'host',
  GATEWAY_HTTPS_PORT: 'httpsPort',
  GATEWAY_HTTP_PORT: 'httpPort',
  GATEWAY_HTTP_REDIRECT: 'httpRedirect',
  GATEWAY_ADMIN_HOST: 'adminHost',
  GATEWAY_ADMIN_PORT: 'adminPort',
  GATEWAY_TLS_CERT: 'tls.certFile',
  GATEWAY_TLS_KEY: 'tls.keyFile',
  GATEWAY_TLS_TICKET_SECRET: 'tls.ticketSecret',
  GATEWAY_UPSTREAM_URL: 'upstreamUrl',
  GATEWAY_UPSTREAM_TIMEOUT_MS: 'upstreamTimeoutMs',
  GATEWAY_WORKERS: 'workers',
  GATEWAY_IDENTITY_KEY: 'identityKeyFile',
  GATEHOUSE_ADMIN_TOKEN: 'adminToken',
  GATEHOUSE_DATA_DIR: 'dataDir',
  DATABASE_URL: 'databaseUrl',
  GATEWAY_DATABASE_SCHEMA: 'databaseSchema',
  GATEWAY_KEY_CACHE_REFRESH_MS: 'keyCacheRefreshMs',
  GATEWAY_REDIS_PREFIX: 'redisPrefix',
  GATEWAY_METRICS_REQUIRE_TOKEN: 'metricsRequireToken',
  ADMIN_CORS_ORIGINS: 'adminCorsOrigins',
  REDIS_URL: 'redisUrl',
  REDIS_SENTINELS: 'redisSentinels',
  REDIS_SENTINEL_NAME: 'redisSentinelName',
  REDIS_CLUSTER_NODES: 'redisClusterNodes',
  REDIS_USERNAME: 'redisUsername',
  REDIS_PASSWORD: 'redisPassword',
  RATE_LIMIT_FAIL_MODE: 'rateLimitFailMode',
  COLLECTOR_URL: 'collectorUrl',
  COLLECTOR_INGEST_TOKEN: 'collectorIngestToken',
  GATEWAY_SPOOL_DIR: 'spoolDir',
  GATEWAY_SPOOL_MAX_BYTES: 'spoolMaxBytes',
  GATEWAY_ANALYTICS_FLUSH_MS: 'analyticsFlushMs',
  GATEWAY_ANALYTICS_BATCH_EVENTS: 'analyticsBatchEvents',
  GATEWAY_WORKER_INDEX: 'workerIndex',
  GATEWAY_MAX_BODY_BYTES: 'maxBodyBytes',
  LOG_LEVEL: 'logLevel',
};

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts.at(-1)!] = value;
}

function envNameFor(path: string): string | undefined {
  return Object.entries(ENV_KEYS).find(([, key]) => key === path)?.[0];
}

/**
 * Validates an already-merged input; `source` names where it came from for the error line.
 * Tests and the launcher call this with explicit values (which win over any environment).
 */
export function parseConfig(
  input: unknown,
  source = 'gateway config',
  envSet: ReadonlySet<string> = new Set(),
): Config {
  const result = ConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.path.join('.');
  // A list entry (`redisClusterNodes.1`) came from the list's variable.
  const env =
    envNameFor(path) ?? envNameFor(issue.path.filter((p) => typeof p !== 'number').join('.'));
  const where = env && envSet.has(env) ? `env ${env}` : `${source}${path ? ` at ${path}` : ''}`;
  throw new ConfigError(`Invalid gateway configuration (${where}): ${issue.message}`);
}

/** Reads `GATEWAY_CONFIG` (if set) and the environment; explicit `overrides` win over both. */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<ConfigInput> = {},
): Config {
  let fileInput: Record<string, unknown> = {};
  let source = 'environment';
  const file = env.GATEWAY_CONFIG;
  if (file) {
    source = resolve(file);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError(
        `Cannot read gateway configuration file ${source} (GATEWAY_CONFIG): ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      );
    }
    try {
      const parsed: unknown = parseYaml(text);
      if (parsed !== null && parsed !== undefined) {
        if (typeof parsed !== 'object' || Array.isArray(parsed)) {
          throw new Error('the top level must be a mapping');
        }
        fileInput = parsed as Record<string, unknown>;
      }
    } catch (error) {
      throw new ConfigError(
        `Invalid gateway configuration file ${source}: ${(error as Error).message.split('\n')[0]}`,
      );
    }
  }
  const merged: Record<string, unknown> = structuredClone(fileInput);
  const envSet = new Set<string>();
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    envSet.add(name);
    setPath(merged, key, value);
  }
  for (const [key, value] of Object.entries(overrides)) merged[key] = value;
  return parseConfig(merged, source, envSet);
}

/** Derived paths under the data directory (DESIGN.md: `<data dir>/gateway/...`). */
export function gatewayDataDir(config: Config): string {
  return join(config.dataDir, 'gateway');
}
export function tlsDir(config: Config): string {
  return join(gatewayDataDir(config), 'tls');
}
export function identityKeyPath(config: Config): string {
  return config.identityKeyFile ?? join(gatewayDataDir(config), 'identity-key.pem');
}
export function spoolDir(config: Config): string {
  const base = config.spoolDir ?? join(gatewayDataDir(config), 'spool');
  // Workers must not share a spool: each replays and truncates its own files.
  return config.workerIndex === undefined ? base : join(base, `worker-${config.workerIndex}`);
}

/**
 * OpenTelemetry's settings: on only when the standard exporter endpoint is configured, with the
 * standard service name or the gateway's own. The SDK reads the other `OTEL_*` variables
 * (endpoint, headers, sampler) itself, as its users expect.
 */
export function otelSettings(env: NodeJS.ProcessEnv = process.env): {
  enabled: boolean;
  serviceName: string;
} {
  return {
    enabled: Boolean(
      (env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) &&
        env.OTEL_SDK_DISABLED !== 'true',
    ),
    serviceName: env.OTEL_SERVICE_NAME || 'gatehouse-gateway',
  };
}
