// The gateway modes the benchmark runs, and what the gateway child entry is told.
import type { Protocol } from './report.js';

/** full: key auth + rate limit + capture; nocapture: the same without capture; nopolicy: forwarding only. */
export type GatewayPolicySet = 'full' | 'nocapture' | 'nopolicy';

export interface GatewayBenchOptions {
  policy: GatewayPolicySet;
  protocol: Protocol;
  upstreamUrl: string;
  dataDir: string;
  tlsCert: string;
  tlsKey: string;
  adminToken: string;
  /** Real PostgreSQL for the key store, in its own schema; PGlite in dataDir when absent. */
  databaseUrl?: string;
  databaseSchema?: string;
  collectorUrl?: string;
  collectorToken?: string;
  /**
   * The analytics shipper's batching (GATEWAY_ANALYTICS_FLUSH_MS / _BATCH_EVENTS); the gateway's
   * defaults when absent. The instruction count sets it: see `countedAnalyticsBatching`.
   */
  analyticsFlushMs?: number;
  analyticsBatchEvents?: number;
}

/**
 * The shipper's batching for a gateway counted under callgrind. Valgrind slows the process tens of
 * times, so with the default 1 s flush a batch held the ~100 events of one slowed second, and each event
 * carried 1/100 of a batch's fixed cost (a gzip stream, a POST, the ack), against 1/2,000 or less
 * at real rates. Batches here close by size only, at half a window, so every window holds exactly
 * two whole batches of the size a process at 2,000 req/s sends with the default flush.
 */
export function countedAnalyticsBatching(requestsPerWindow: number): {
  analyticsFlushMs: number;
  analyticsBatchEvents: number;
} {
  return {
    analyticsFlushMs: 600_000,
    analyticsBatchEvents: Math.max(1, Math.floor(requestsPerWindow / 2)),
  };
}

/** What the child reports when it listens. */
export interface GatewayReady {
  /** Public URL of the listener under test (HTTPS or plain HTTP). */
  url: string;
  adminUrl: string;
}

/** Name of the plan created for the benchmark: high enough that no request is ever limited. */
export const BENCH_PLAN = {
  name: 'bench-unlimited',
  // The admin API's maxima: 10 million a minute (~166k/s), far above one core's throughput.
  requests_per_minute: 10_000_000,
  burst: 1_000_000,
};
