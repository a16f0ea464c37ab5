/**
 * Which environment variables each part reads, taken from its own `src/config.ts` (the only
 * module allowed to read `process.env`), and which of them the deployments leave unset on
 * purpose. The compose and Kubernetes tests check every other one is set.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');

export type Part = 'api' | 'gateway' | 'collector';
export const PARTS: readonly Part[] = ['api', 'gateway', 'collector'];

/**
 * Names read as `env.X` / `process.env.X` / `env['X']`, or declared as keys of an env schema or
 * env→key map (`X_Y: z.string()`, `X_Y: 'key'`). Single-word names without an underscore are not
 * recognised as keys, to keep ordinary constants out.
 */
export function envVarsIn(source: string): string[] {
  const names = new Set<string>();
  for (const m of source.matchAll(/\benv(?:\.|\[['"])([A-Z][A-Z0-9_]*)/g)) names.add(m[1]!);
  for (const m of source.matchAll(/^\s*['"]?([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)['"]?\s*:/gm)) {
    names.add(m[1]!);
  }
  return [...names].sort();
}

/** Variables `<part>/src/config.ts` reads; undefined while that file does not exist yet. */
export function envVarsReadBy(part: Part): string[] | undefined {
  const file = join(REPO_ROOT, part, 'src', 'config.ts');
  return existsSync(file) ? envVarsIn(readFileSync(file, 'utf8')) : undefined;
}

/** Left unset in compose.yml and the Kubernetes manifests on purpose, with the reason. */
export const DELIBERATELY_UNSET: Record<Part, Record<string, string>> = {
  api: {
    GATEWAY_PUBLIC_KEY:
      'the api fetches the JWKS from the gateways, so key rotation needs no api restart',
    API_DEV_CUSTOMER: 'development mode: would accept requests without an identity token',
  },
  gateway: {
    GATEWAY_WORKER_INDEX: 'set by the cluster primary for each worker process, never by operators',
    GATEWAY_DATABASE_SCHEMA: 'a test isolation knob; production uses the database default schema',
    OTEL_EXPORTER_OTLP_ENDPOINT:
      'tracing stays off until an OTLP endpoint exists; set it to enable',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'as OTEL_EXPORTER_OTLP_ENDPOINT',
    OTEL_SDK_DISABLED: 'only meaningful once an OTLP endpoint is set',
    OTEL_SERVICE_NAME: 'only meaningful once an OTLP endpoint is set; gatehouse-gateway by default',
    REDIS_SENTINELS:
      'one Redis server here (REDIS_URL); Sentinel replaces REDIS_URL, see docs/operations.md',
    REDIS_SENTINEL_NAME: 'only with REDIS_SENTINELS',
    REDIS_CLUSTER_NODES:
      'one Redis server here (REDIS_URL); Redis Cluster replaces REDIS_URL, see docs/operations.md',
    REDIS_USERNAME: 'only with REDIS_SENTINELS or REDIS_CLUSTER_NODES',
    REDIS_PASSWORD: 'only with REDIS_SENTINELS or REDIS_CLUSTER_NODES',
  },
  collector: {
    CLICKHOUSE_CLUSTER:
      'one ClickHouse server here; set it to a remote_servers cluster name for cluster mode',
    GATEHOUSE_DATA_DIR:
      'only locates the embedded PGlite alert store; DATABASE_URL points at PostgreSQL instead',
  },
};
