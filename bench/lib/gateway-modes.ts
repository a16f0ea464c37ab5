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
