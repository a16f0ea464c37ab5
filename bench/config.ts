// Benchmark settings: the only module reading process.env in bench/.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
export interface BenchConfig {
  quick: boolean;
  /** Seconds per wrk run (one configuration, one round). */
  durationS: number;
  rounds: number;
  warmupS: number;
  connections: number;
  /** Comma list of configuration ids to run (empty = all). */
  only: string[];
  /** Core for the proxies under test and for the load generator + upstream. */
  proxyCpu: string;
  loadCpu: string;
  /** Fixed-rate latency run, seconds (after its own warm-up). */
  fixedRateDurationS: number;
  /** Rate of the fixed-rate run; null = half the full chain's median maximum. */
  fixedRate: number | null;
  memoryConnections: number;
  memoryDurationS: number;
  /**
   * Gateway mode ids to take a V8 CPU profile of under load (bench/results/profiles/);
   * `BENCH_PROFILE=1` means the full chain only.
   */
  profile: string[];
  /**
   * Gateway mode ids to take a V8 allocation profile of under load (bytes allocated per request
   * by function, bench/results/profiles/alloc-<id>.txt); `BENCH_ALLOC_PROFILE=1`: the full chain.
   */
  allocProfile: string[];
  /**
   * A second gateway directory (`src/` + `migrations/`, e.g. a snapshot of an earlier commit
   * from bench/ab-snapshot.sh): every gateway mode also runs from it as `<id>@base`, in the
   * same interleaved rounds, for a before/after comparison on the same machine state.
   */
  abGatewayDir: string | null;
  /**
   * `dist` (default): the gateway compiled by tsc, as deployed; `src`: its TypeScript through
   * tsx (slower: per-request closures pay tsx's `__name` wrapper).
   */
  gatewayBuild: 'dist' | 'src';
  /** Where latest.json, latest.md and profiles/ go (default bench/results). */
  resultsDir: string;
  /**
   * Count instructions per request under callgrind (bench/lib/callgrind.ts) for the bare Node
   * proxy and the gateway modes over HTTPS, written to instructions.{json,md}.
   */
  instructions: boolean;
  /** Requests before counting (V8 tiers the request path up), per counted window, and windows. */
  instructionWarmup: number;
  instructionRequests: number;
  instructionWindows: number;
  /**
   * Counted windows paced at this many requests a second instead of closed-loop (null): what a
   * request costs when it arrives alone, as at half load, against among many (BENCH_INSTRUCTION_RATE).
   */
  instructionRate: number | null;
  /**
   * Also write V8's perf map (`--perf-basic-prof`) of each counted process next to its dumps, so
   * the addresses of generated code in them can be named (BENCH_INSTRUCTION_JS_NAMES=1).
   */
  instructionJsNames: boolean;
  /** Phases to leave out: `throughput`, `fixed-rate`, `memory`. */
  skip: string[];
  /** Start the collector (with ClickHouse) so capture ships events as in production. */
  collector: boolean;
  /** `idle` (default): the collector and ClickHouse at idle CPU priority; `normal`: as started. */
  collectorPriority: 'idle' | 'normal';
  /**
   * `paused`: the collector and its ClickHouse are stopped (SIGSTOP) while a full chain's
   * closed-loop round runs, and catch up before its next one (BENCH_COLLECTOR_DURING_ROUNDS).
   */
  collectorDuringRounds: 'running' | 'paused';
  /**
   * Node flags added to this tree's gateway modes only (not an A/B base's), after the flags the
   * gateway ships with (gateway/src/node-flags.ts): to compare a V8 setting, snapshot the same
   * tree as the base (BENCH_GATEWAY_NODE_FLAGS).
   */
  gatewayNodeFlags: string[];
  /**
   * Each gateway process logs its event-loop stalls, GC pauses and which threads had the core
   * meanwhile to `<resultsDir>/stalls/<mode>.log` (BENCH_STALL_LOG, bench/lib/stall-log.ts).
   */
  stallLog: boolean;
  /** Every process's whole stdout and stderr to `<resultsDir>/output/<name>.log` (BENCH_PROCESS_OUTPUT). */
  processOutput: boolean;
  /**
   * Move every other process on the machine off the proxy core, and back after
   * (BENCH_SHIELD, bench/lib/shield.ts): `run`, for the whole run (BENCH_SHIELD=1); `alternate`,
   * in the odd fixed-rate rounds only (1st, 3rd, …), to compare shielded and unshielded rounds
   * of one run; `off`.
   */
  shield: 'off' | 'run' | 'alternate';
  conditions: string;
  /** PostgreSQL for the gateway's store (a schema per gateway process); null = embedded PGlite. */
  databaseUrl: string | null;
}

function num(name: string, fallback: number, env: NodeJS.ProcessEnv): number {
  const raw = env[name];
  if (raw == null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    throw new Error(`${name} must be a positive number, got "${raw}"`);
  }
  return n;
}

const flag = (v: string | undefined) => v === '1' || v === 'true' || v === 'yes';
const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s && s !== '0' && s !== 'false');

export function loadBenchConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const quick = flag(env.BENCH_QUICK);
  return {
    quick,
    durationS: num('BENCH_DURATION', quick ? 2 : 5, env),
    rounds: Math.max(1, Math.floor(num('BENCH_ROUNDS', 3, env))),
    warmupS: num('BENCH_WARMUP', quick ? 1 : 2, env),
    connections: num('BENCH_CONNECTIONS', 50, env),
    only: list(env.BENCH_ONLY),
    proxyCpu: env.BENCH_PROXY_CPU ?? '1',
    loadCpu: env.BENCH_LOAD_CPU ?? '0',
    fixedRateDurationS: num('BENCH_FIXED_RATE_DURATION', quick ? 3 : 10, env),
    fixedRate: env.BENCH_FIXED_RATE ? num('BENCH_FIXED_RATE', 1, env) : null,
    memoryConnections: num('BENCH_MEMORY_CONNECTIONS', 5000, env),
    memoryDurationS: num('BENCH_MEMORY_DURATION', quick ? 8 : 15, env),
    profile: flag(env.BENCH_PROFILE) ? ['gw-full-https'] : list(env.BENCH_PROFILE),
    allocProfile: flag(env.BENCH_ALLOC_PROFILE) ? ['gw-full-https'] : list(env.BENCH_ALLOC_PROFILE),
    abGatewayDir: env.BENCH_AB_GATEWAY || null,
    gatewayBuild: env.BENCH_GATEWAY_BUILD === 'src' ? 'src' : 'dist',
    skip: list(env.BENCH_SKIP),
    instructions: flag(env.BENCH_INSTRUCTIONS),
    instructionWarmup: Math.floor(num('BENCH_INSTRUCTION_WARMUP', quick ? 500 : 8000, env)),
    instructionRequests: Math.floor(num('BENCH_INSTRUCTION_REQUESTS', quick ? 300 : 4000, env)),
    instructionJsNames: flag(env.BENCH_INSTRUCTION_JS_NAMES),
    instructionWindows: Math.max(1, Math.floor(num('BENCH_INSTRUCTION_WINDOWS', 6, env))),
    instructionRate: env.BENCH_INSTRUCTION_RATE ? num('BENCH_INSTRUCTION_RATE', 0, env) : null,
    resultsDir: env.BENCH_RESULTS_DIR
      ? resolve(env.BENCH_RESULTS_DIR)
      : fileURLToPath(new URL('./results', import.meta.url)),
    collector: env.BENCH_COLLECTOR !== '0',
    collectorPriority: env.BENCH_COLLECTOR_PRIORITY === 'normal' ? 'normal' : 'idle',
    collectorDuringRounds: env.BENCH_COLLECTOR_DURING_ROUNDS === 'paused' ? 'paused' : 'running',
    gatewayNodeFlags: (env.BENCH_GATEWAY_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean),
    stallLog: flag(env.BENCH_STALL_LOG),
    processOutput: flag(env.BENCH_PROCESS_OUTPUT),
    shield: env.BENCH_SHIELD === 'alternate' ? 'alternate' : flag(env.BENCH_SHIELD) ? 'run' : 'off',
    databaseUrl:
      env.BENCH_DATABASE_URL === 'pglite'
        ? null
        : (env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'),
    conditions:
      env.BENCH_CONDITIONS ?? 'not stated (set BENCH_CONDITIONS to describe the machine load)',
  };
}
