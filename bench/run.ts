// `npm run bench`: the gateway's cost per request against the upstream direct, nginx and a bare
// Node proxy, in one run. See bench/README.md for how to read the output.
import {
  buildGateway,
  buildHarness,
  DIST_NODE_FLAGS,
  type Harness,
  gatewayNodeFlags,
} from './lib/gateway-build.js';
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { type BenchConfig, loadBenchConfig } from './config.js';
import { type CpuProfile, renderProfileSummary, summarizeProfile } from './lib/cpuprofile.js';
import {
  type HeapProfile,
  renderAllocationSummary,
  summarizeAllocations,
} from './lib/heapprofile.js';
import {
  BENCH_PLAN,
  countedAnalyticsBatching,
  type GatewayBenchOptions,
  type GatewayPolicySet,
  type GatewayReady,
} from './lib/gateway-modes.js';
import { fetchOnce, freePort, makeSelfSignedCert, waitFor } from './lib/net.js';
import { metricValue } from './lib/prom-text.js';
import { ensureNginx, nginxCommand, nginxVersion, writeNginxConfig } from './lib/nginx.js';
import {
  benchPath,
  nodeTs,
  type PinnedProcess,
  READY_PREFIX,
  setIdlePriority,
  signalTree,
  keepProcessOutput,
  spawnPinned,
  startCoreMeter,
  treeCpuMs,
  treeRssBytes,
} from './lib/processes.js';
import {
  type BenchReport,
  type ConfigSpec,
  deriveFigures,
  type FixedRateResult,
  type FixedRateRow,
  formatCodes,
  type MemoryResult,
  mergeFixedRateRounds,
  type Protocol,
  renderConsole,
  renderMarkdown,
  type RoundSample,
  summarize,
} from './lib/report.js';
import { type Shield, shieldCore } from './lib/shield.js';
import { worstSlices } from './lib/stats.js';
import { runWrk } from './lib/wrk.js';
import {
  CALLGRIND_NODE_FLAGS,
  callgrindMissing,
  callgrindPrefix,
  countInstructions,
} from './lib/callgrind.js';
import { type CountBatch, startCountLoader } from './lib/count-loader.js';
import {
  deriveInstructionFigures,
  formatInstructions,
  type InstructionRow,
  type InstructionsResult,
  instructionRow,
  renderInstructions,
} from './lib/instructions-report.js';

/** The request every configuration serves: one order, as a client would fetch it. */
const REQUEST_PATH = '/v1/orders/ord_01HZX3K9V8Q2W7RT5M4N6B1C0D';

interface Target extends ConfigSpec {
  url?: string;
  /** The gateway's admin URL (its /metrics has the event-loop delay). */
  adminUrl?: string;
  headers?: Record<string, string>;
  pid?: number;
  unavailable?: string;
}

const GATEWAY_MODES: { id: string; label: string; policy: GatewayPolicySet; protocol: Protocol }[] =
  [
    {
      id: 'gw-full-https',
      label: 'Gatehouse full chain (TLS, key auth, rate limit, capture → collector)',
      policy: 'full',
      protocol: 'https',
    },
    {
      id: 'gw-nocapture-https',
      label: 'Gatehouse, capture off (TLS, key auth, rate limit)',
      policy: 'nocapture',
      protocol: 'https',
    },
    {
      id: 'gw-nopolicy-https',
      label: 'Gatehouse, no policy (TLS, forwarding only)',
      policy: 'nopolicy',
      protocol: 'https',
    },
    {
      id: 'gw-full-http',
      label: 'Gatehouse full chain over plain HTTP*',
      policy: 'full',
      protocol: 'http',
    },
    {
      id: 'gw-nopolicy-http',
      label: 'Gatehouse, no policy, plain HTTP*',
      policy: 'nopolicy',
      protocol: 'http',
    },
  ];

/** What the instruction count runs (HTTPS only: the aims it can speak to are all over TLS). */
interface InstructionTarget {
  id: string;
  label: string;
  policy: GatewayPolicySet | null;
  /** For an A/B base: where its gateway is (BENCH_GATEWAY_DIR). */
  env?: Record<string, string>;
}

const INSTRUCTION_TARGETS: InstructionTarget[] = [
  { id: 'node-proxy-https', label: 'bare Node proxy (node:https + http-proxy)', policy: null },
  ...GATEWAY_MODES.filter((m) => m.protocol === 'https').map((m) => ({
    id: m.id,
    label: m.label,
    policy: m.policy,
  })),
];

/** Connections of the count loader: enough that requests overlap in one event-loop turn, as under wrk. */
const INSTRUCTION_CONNECTIONS = 50;

/** prom-client's default `eventLoopMonitoringPrecision` (the gateway does not change it), ms. */
const LOOP_MONITOR_RESOLUTION_MS = 10;

/** Id suffix of the modes run from BENCH_AB_GATEWAY (the "before" of an A/B comparison). */
const AB_SUFFIX = '@base';

const log = (s: string) =>
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

class Bench {
  readonly processes: PinnedProcess[] = [];
  readonly notes: string[] = [];
  /** The shield of the fixed-rate round running now (BENCH_SHIELD=alternate). */
  roundShield: Shield | null = null;
  readonly targets: Target[] = [];
  readonly tmp = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  readonly adminToken = randomBytes(24).toString('base64url');
  upstreamUrl = '';
  collector: { url: string; token?: string; pid: number } | null = null;
  cert = { cert: '', key: '' };
  /** The measured bench processes compiled to plain JavaScript (no tsx): see buildHarness. */
  readonly harness: Harness = buildHarness(join(this.tmp, 'harness'));

  constructor(readonly cfg: BenchConfig) {}

  /** The command running a bench/ entry from its compiled JavaScript. */
  script(rel: string, args: string[] = [], nodeFlags: string[] = []): string[] {
    return [process.execPath, ...nodeFlags, this.harness.path(rel), ...args];
  }

  wanted(id: string): boolean {
    const mode = id.endsWith(AB_SUFFIX) ? id.slice(0, -AB_SUFFIX.length) : id;
    return this.cfg.only.length === 0 || this.cfg.only.includes(mode);
  }

  async spawn(name: string, cpu: string, command: string[], env?: Record<string, string>) {
    const p = await spawnPinned({ name, cpu, command, env, waitReady: true });
    this.processes.push(p);
    return p;
  }

  async startBaselines(): Promise<void> {
    this.cert = makeSelfSignedCert(this.tmp);
    const upstream = await this.spawn(
      'upstream',
      this.cfg.loadCpu,
      this.script('servers/upstream.ts'),
      { NODE_ENV: 'production' },
    );
    this.upstreamUrl = String(upstream.info.url);
    log(`upstream ${this.upstreamUrl} (${upstream.info.bodyBytes} bytes JSON)`);
    this.targets.push({
      id: 'direct',
      label: 'upstream direct (node:http)',
      family: 'direct',
      protocol: 'http',
      url: this.upstreamUrl,
    });

    const nginxTargets: Target[] = [
      {
        id: 'nginx-http',
        label: 'nginx proxy_pass (keepalive 64)',
        family: 'nginx',
        protocol: 'http',
      },
      { id: 'nginx-https', label: 'nginx proxy_pass, TLS', family: 'nginx', protocol: 'https' },
    ];
    try {
      ensureNginx(log);
      const dir = join(this.tmp, 'nginx');
      mkdirSync(dir, { recursive: true });
      const httpPort = await freePort();
      const httpsPort = await freePort();
      const conf = writeNginxConfig({
        dir,
        upstreamPort: Number(new URL(this.upstreamUrl).port),
        httpPort,
        httpsPort,
        tls: this.cert,
      });
      const p = await spawnPinned({
        name: 'nginx',
        cpu: this.cfg.proxyCpu,
        command: nginxCommand(dir, conf),
        waitReady: false,
      });
      this.processes.push(p);
      nginxTargets[0]!.url = `http://127.0.0.1:${httpPort}`;
      nginxTargets[1]!.url = `https://127.0.0.1:${httpsPort}`;
      for (const t of nginxTargets) {
        await waitFor(
          `nginx at ${t.url}`,
          async () => (await fetchOnce(t.url + REQUEST_PATH)).status === 200,
          10_000,
        );
        t.pid = p.pid;
      }
      log(`nginx ${nginxVersion()} on :${httpPort} (http) and :${httpsPort} (https)`);
    } catch (e) {
      for (const t of nginxTargets) t.unavailable = `nginx did not start: ${firstLine(e)}`;
    }
    this.targets.push(...nginxTargets);

    for (const protocol of ['http', 'https'] as const) {
      const t: Target = {
        id: `node-proxy-${protocol}`,
        label: `bare Node proxy (node:${protocol} + http-proxy)`,
        family: 'node-proxy',
        protocol,
      };
      try {
        const p = await this.spawn(
          t.id,
          this.cfg.proxyCpu,
          this.script('servers/node-proxy.ts', [
            this.upstreamUrl,
            protocol,
            this.cert.cert,
            this.cert.key,
          ]),
          { NODE_ENV: 'production' },
        );
        t.url = String(p.info.url);
        t.pid = p.pid;
      } catch (e) {
        t.unavailable = `did not start: ${firstLine(e)}`;
      }
      this.targets.push(t);
    }
  }

  async startCollector(): Promise<void> {
    if (!this.cfg.collector) {
      this.notes.push(
        'Collector disabled (BENCH_COLLECTOR=0): capture used the gateway without shipping.',
      );
      return;
    }
    try {
      const p = await spawnPinned({
        name: 'collector',
        cpu: this.cfg.loadCpu,
        command: nodeTs(benchPath('servers/collector.ts'), [join(this.tmp, 'collector')]),
        env: { NODE_ENV: 'production', GATEHOUSE_ADMIN_TOKEN: this.adminToken },
        waitReady: true,
        readyTimeoutMs: 120_000,
      });
      this.processes.push(p);
      // The collector and its ClickHouse share the load core here (in production they run on
      // hosts of their own). At idle CPU priority they take only the time wrk, the upstream and
      // the loaders leave free, which is plenty to keep up; at normal priority they slowed wrk,
      // so the full chain was measured at a lower load, with fewer requests per event-loop turn
      // and a higher CPU cost per request than the gateway's own.
      if (this.cfg.collectorPriority === 'idle' && setIdlePriority(p.pid)) {
        this.notes.push(
          'The collector and ClickHouse ran at idle CPU priority (`chrt --idle`) on the load core: they run on their own hosts in production; the full chain still shipped every request to them.',
        );
      }
      if (this.cfg.collectorDuringRounds === 'paused') {
        this.notes.push(
          'The collector and ClickHouse were paused (SIGSTOP) during the full chain’s closed-loop rounds and caught up before its next one (BENCH_COLLECTOR_DURING_ROUNDS=paused): the gateway still built, compressed and sent every batch.',
        );
      }
      this.collector = {
        url: String(p.info.url),
        token: p.info.token as string | undefined,
        pid: p.pid,
      };
      log(`collector ${this.collector.url} (ClickHouse ${String(p.info.clickhouseUrl)})`);
    } catch (e) {
      const reason = firstLine(e);
      this.notes.push(
        `Collector not running (${reason}): full-chain capture had no collector to ship to.`,
      );
      log(`collector unavailable: ${reason}`);
    }
  }

  readonly schemas: string[] = [];

  newSchema(id: string): string {
    const name = `bench_${id.replace(/[^a-z0-9]/g, '_')}_${randomBytes(4).toString('hex')}`;
    this.schemas.push(name);
    return name;
  }

  gatewayOptions(policy: GatewayPolicySet, protocol: Protocol, id: string): GatewayBenchOptions {
    return {
      policy,
      protocol,
      upstreamUrl: this.upstreamUrl,
      dataDir: join(this.tmp, id),
      tlsCert: this.cert.cert,
      tlsKey: this.cert.key,
      adminToken: this.adminToken,
      ...(this.cfg.databaseUrl
        ? { databaseUrl: this.cfg.databaseUrl, databaseSchema: this.newSchema(id) }
        : {}),
      ...(policy === 'full' && this.collector
        ? { collectorUrl: this.collector.url, collectorToken: this.collector.token }
        : {}),
    };
  }

  async startGateway(
    id: string,
    policy: GatewayPolicySet,
    protocol: Protocol,
    extraEnv: Record<string, string> = {},
    /** A command prefix (e.g. valgrind), node flags, and the longer timeouts a slowed process needs. */
    wrap: {
      prefix: string[];
      nodeFlags: string[];
      timeoutMs: number;
      options?: Partial<GatewayBenchOptions>;
    } | null = null,
  ): Promise<{ ready: GatewayReady; headers: Record<string, string>; proc: PinnedProcess }> {
    const opts = { ...this.gatewayOptions(policy, protocol, id), ...wrap?.options };
    mkdirSync(opts.dataDir, { recursive: true });
    const base = extraEnv.BENCH_GATEWAY_DIR;
    const nodeFlags = [
      ...(await gatewayNodeFlags(base ?? benchPath('../gateway'))),
      ...(base ? [] : this.cfg.gatewayNodeFlags),
    ];
    let proc: PinnedProcess;
    try {
      proc = await spawnPinned({
        name: id,
        cpu: this.cfg.proxyCpu,
        command: [
          ...(wrap?.prefix ?? []),
          ...this.script(
            'servers/gateway.ts',
            [JSON.stringify(opts)],
            [
              // From src, the compiled harness imports the gateway's TypeScript through tsx.
              ...(this.cfg.gatewayBuild === 'dist' ? DIST_NODE_FLAGS : ['--import', 'tsx']),
              ...nodeFlags,
              ...(wrap?.nodeFlags ?? []),
            ],
          ),
        ],
        env: {
          NODE_ENV: 'production',
          LOG_LEVEL: 'warn',
          BENCH_GATEWAY_BUILD: this.cfg.gatewayBuild,
          // The compiled harness lives in a temp dir, so it is told where the gateway is.
          BENCH_GATEWAY_DIR: benchPath('../gateway'),
          ...extraEnv,
        },
        waitReady: true,
        readyTimeoutMs: wrap?.timeoutMs ?? 120_000,
      });
    } catch (e) {
      const text = String(e);
      const m = /BENCH_UNAVAILABLE (.*)/.exec(text);
      throw new Error(m ? m[1]! : firstLine(e));
    }
    this.processes.push(proc);
    const ready = proc.info as unknown as GatewayReady;
    const headers: Record<string, string> = {};
    if (policy !== 'nopolicy') {
      headers.authorization = `Bearer ${await this.provisionKey(ready.adminUrl)}`;
    }
    // The key cache refreshes in the background: wait until the key is accepted.
    await waitFor(
      `${id} to answer 200`,
      async () => (await fetchOnce(ready.url + REQUEST_PATH, { headers })).status === 200,
      wrap?.timeoutMs ?? 30_000,
    );
    return { ready, headers, proc };
  }

  /** A real key through the admin API: a plan too high to reject, a customer on it, a key. */
  async provisionKey(adminUrl: string): Promise<string> {
    const auth = { authorization: `Bearer ${this.adminToken}` };
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetchOnce(adminUrl + path, {
        method,
        headers: auth,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${res.body}`);
      return JSON.parse(res.body) as Record<string, unknown>;
    };
    await call('POST', '/v1/plans', BENCH_PLAN);
    const customer = await call('POST', '/v1/customers', { name: 'bench', plan: BENCH_PLAN.name });
    const key = await call('POST', `/v1/customers/${String(customer.id)}/keys`, { name: 'bench' });
    const secret = key.secret ?? key.key;
    if (typeof secret !== 'string')
      throw new Error(`key response without secret: ${JSON.stringify(key)}`);
    return secret;
  }

  async startGateways(): Promise<void> {
    const variants: { suffix: string; labelSuffix: string; env: Record<string, string> }[] = [
      { suffix: '', labelSuffix: '', env: {} },
    ];
    const ab = this.cfg.abGatewayDir;
    if (ab) {
      variants.push({
        suffix: AB_SUFFIX,
        labelSuffix: ` [base: ${ab}]`,
        env: { BENCH_GATEWAY_DIR: ab },
      });
    }
    for (const m of GATEWAY_MODES) {
      for (const v of variants) await this.startGatewayMode(m, v);
    }
  }

  async startGatewayMode(
    mode: (typeof GATEWAY_MODES)[number],
    v: { suffix: string; labelSuffix: string; env: Record<string, string> },
  ): Promise<void> {
    const m = { ...mode, id: mode.id + v.suffix, label: mode.label + v.labelSuffix };
    const t: Target = { id: m.id, label: m.label, family: 'gateway', protocol: m.protocol };
    this.targets.push(t);
    if (!this.wanted(m.id)) return;
    try {
      const stallLog: Record<string, string> = this.cfg.stallLog
        ? { BENCH_STALL_LOG_FILE: join(this.cfg.resultsDir, 'stalls', `${m.id}.log`) }
        : {};
      const g = await this.startGateway(m.id, m.policy, m.protocol, { ...v.env, ...stallLog });
      t.url = g.ready.url;
      t.adminUrl = g.ready.adminUrl;
      t.headers = g.headers;
      t.pid = g.proc.pid;
      log(`${m.id} ${t.url}`);
    } catch (e) {
      t.unavailable = firstLine(e);
      log(`${m.id} not measured: ${t.unavailable}`);
    }
  }

  runnable(): Target[] {
    return this.targets.filter((t) => t.url && !t.unavailable && this.wanted(t.id));
  }

  /**
   * Runs `fn` with every other proxy paused (SIGSTOP), so the configuration measured has the
   * proxy core to itself, as on a host of its own: an idle Node proxy's timers and its idle-time
   * GC (which follows every loaded round) otherwise run on the same core and show up as stalls.
   * The upstream and the collector are never paused.
   */
  async alone<T>(t: Target, fn: () => Promise<T>): Promise<T> {
    const others = [
      ...new Set(
        this.targets
          .filter((o) => o.pid && o.pid !== t.pid && o.family !== 'direct')
          .map((o) => o.pid!),
      ),
    ];
    for (const pid of others) signalTree(pid, 'SIGSTOP');
    try {
      await this.drainCapture(t);
      return await fn();
    } finally {
      for (const pid of others) signalTree(pid, 'SIGCONT');
    }
  }

  /**
   * Waits until a full-chain gateway has shipped the events of its previous run (it was paused
   * in between): a backlog of tens of thousands of events sent during the next measurement would
   * charge that run with an earlier run's work (its latency run most of all).
   */
  async drainCapture(t: Target): Promise<void> {
    if (!t.adminUrl || !t.id.startsWith('gw-full')) return;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const backlog = await this.shipperBacklog(t.adminUrl);
      if (backlog === 0 || backlog == null) return;
      if (Date.now() > deadline) {
        log(`${t.id}: ${backlog} events still unshipped after 60 s; measuring anyway`);
        return;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Events the gateway has not shipped yet (memory queue + disk spool), from its /metrics. */
  async shipperBacklog(adminUrl: string): Promise<number | null> {
    const body = await this.scrape(adminUrl);
    if (body == null) return null;
    const n =
      metricValue(body, 'gatehouse_gateway_event_queue_depth') +
      metricValue(body, 'gatehouse_gateway_event_spool_events');
    return Number.isFinite(n) ? n : null;
  }

  /** The gateway's admin /metrics text, null when it does not answer. */
  async scrape(adminUrl: string): Promise<string | null> {
    try {
      const res = await fetchOnce(`${adminUrl}/metrics`, {
        headers: { authorization: `Bearer ${this.adminToken}` },
      });
      return res.body;
    } catch {
      return null;
    }
  }

  async wrkOnce(t: Target, durationS: number): Promise<RoundSample> {
    const pause =
      this.cfg.collectorDuringRounds === 'paused' && this.collector && t.id.startsWith('gw-full')
        ? this.collector.pid
        : null;
    return this.alone(t, async () => {
      // The gateway still builds, encodes, compresses and POSTs every batch; the collector
      // answers them (and stores the events) once resumed, before the next round of this gateway.
      if (pause) signalTree(pause, 'SIGSTOP');
      try {
        return await this.wrkAlone(t, durationS);
      } finally {
        if (pause) signalTree(pause, 'SIGCONT');
      }
    });
  }

  async wrkAlone(t: Target, durationS: number): Promise<RoundSample> {
    const meter = startCoreMeter(this.cfg.proxyCpu, t.pid);
    const collector = t.id.startsWith('gw-full') && this.collector ? this.collector.pid : undefined;
    const collectorCpuBefore = collector ? treeCpuMs(collector) : null;
    const sample: RoundSample = await runWrk({
      url: t.url! + REQUEST_PATH,
      connections: this.cfg.connections,
      threads: 1,
      durationS,
      headers: t.headers,
      cpu: this.cfg.loadCpu,
    });
    const m = meter();
    if (m.cpuMs != null && sample.requests > 0) {
      sample.cpuUsPerRequest = (m.cpuMs * 1000) / sample.requests;
    }
    if (m.otherPct !== undefined) sample.proxyCoreOtherPct = m.otherPct;
    if (m.stealPct !== undefined) sample.proxyCoreStealPct = m.stealPct;
    const collectorCpuAfter = collector ? treeCpuMs(collector) : null;
    if (collectorCpuBefore != null && collectorCpuAfter != null) {
      sample.collectorCpuPct =
        ((collectorCpuAfter - collectorCpuBefore) / (durationS * 1000)) * 100;
    }
    return sample;
  }

  async throughput(): Promise<Map<string, RoundSample[]>> {
    const targets = this.runnable();
    const samples = new Map<string, RoundSample[]>(targets.map((t) => [t.id, []]));
    log(`warm-up ${this.cfg.warmupS} s each: ${targets.map((t) => t.id).join(', ')}`);
    for (const t of targets) {
      await this.wrkOnce(t, this.cfg.warmupS).catch((e) =>
        log(`warm-up ${t.id} failed: ${firstLine(e)}`),
      );
    }
    for (let round = 0; round < this.cfg.rounds; round++) {
      // Rotate the order each round so no configuration always runs first or last.
      const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
      for (const t of order) {
        try {
          const s = await this.wrkOnce(t, this.cfg.durationS);
          s.round = round;
          samples.get(t.id)!.push(s);
          log(
            `round ${round + 1}/${this.cfg.rounds} ${t.id.padEnd(20)} ${s.rps.toFixed(0).padStart(7)} req/s  p50 ${s.p50Ms.toFixed(2)} ms  p99 ${s.p99Ms.toFixed(2)} ms${s.cpuUsPerRequest === undefined ? '' : `  cpu ${s.cpuUsPerRequest.toFixed(1)} µs/req`}${formatCore('  ', s.proxyCoreOtherPct, s.proxyCoreStealPct)}${s.collectorCpuPct === undefined ? '' : `  collector ${s.collectorCpuPct.toFixed(1)} % of the load core`}${s.non2xx ? `  non-2xx ${s.non2xx}` : ''}`,
          );
        } catch (e) {
          log(`round ${round + 1} ${t.id} failed: ${firstLine(e)}`);
        }
      }
    }
    return samples;
  }

  async fixedRate(fullChainRps: number | null): Promise<FixedRateResult> {
    const base = {
      loader:
        'bench/load/fixed-rate.ts (open loop over raw keep-alive HTTP/1.1 connections, rate ramped up in the warm-up, latency from the scheduled send time)',
      durationS: this.cfg.fixedRateDurationS,
      connections: this.cfg.connections,
    };
    const full = this.targets.find((t) => t.id === 'gw-full-https');
    if (fullChainRps == null || !full?.url || full.unavailable) {
      return { ...base, rate: null, rows: [], addedP99Ms: null, reason: 'full chain not measured' };
    }
    const rate = this.cfg.fixedRate ?? Math.max(1, Math.floor(fullChainRps / 2));
    const ids = ['direct', 'nginx-https', 'node-proxy-https', 'gw-nopolicy-https', 'gw-full-https'];
    // A/B runs and capture-off runs: every other gateway HTTPS mode that was measured too.
    for (const t of this.runnable()) {
      if (t.family === 'gateway' && t.protocol === 'https' && !ids.includes(t.id)) ids.push(t.id);
    }
    // BENCH_ONLY holds here too: the baselines start regardless, for the ratios' sake.
    const chosen = ids.filter((id) => this.wanted(id));
    return { ...base, rate, ...(await this.fixedRateRows(chosen, rate)) };
  }

  async fixedRateRows(
    ids: string[],
    rate: number,
  ): Promise<ReturnType<typeof mergeFixedRateRounds>> {
    // Longer than the wrk warm-up. A target comes to its fixed-rate run after a minute idle while
    // the others ran, and a gateway then spent its first ~2 s recompiling (V8's compiler threads
    // took 20–55 % of its core) with its loop saturated, a queue still draining 3 s in. The loader
    // ramps up over the first half of this and holds the full rate over the second.
    const warmupS = Math.max(6, this.cfg.warmupS);
    // Rounds as for throughput: one 10 s run's p99 is a handful of its slowest requests, and a
    // single stall of the machine in it (steal, a neighbour) moved it by tens of ms.
    const rounds: FixedRateRow[][] = [];
    for (let round = 0; round < this.cfg.rounds; round++) {
      if (this.shieldedRound(round)) {
        this.roundShield = shieldCore(this.cfg.proxyCpu, this.cfg.loadCpu);
        log(`fixed rate round ${round + 1}: shield on, ${this.roundShield.moved} processes moved`);
      }
      try {
        rounds.push(await this.fixedRateRound(ids, rate, warmupS, round));
      } finally {
        this.roundShield?.restore();
        this.roundShield = null;
      }
    }
    return mergeFixedRateRounds(rounds);
  }

  /** BENCH_SHIELD=alternate: the odd rounds (1st, 3rd, …) run shielded, the even ones not. */
  shieldedRound(round: number): boolean {
    return this.cfg.shield === 'alternate' && round % 2 === 0;
  }

  async fixedRateRound(
    ids: string[],
    rate: number,
    warmupS: number,
    round: number,
  ): Promise<FixedRateRow[]> {
    const rows: FixedRateRow[] = [];
    for (const id of ids) {
      const t = this.targets.find((x) => x.id === id);
      if (!t) continue;
      if (!t.url || t.unavailable) {
        rows.push({
          id,
          label: t.label,
          measured: false,
          reason: t.unavailable ?? 'not started',
        });
        continue;
      }
      try {
        const row = await this.alone(t, () => this.fixedRateRow(t, rate, warmupS, round));
        rows.push(row);
      } catch (e) {
        rows.push({ id, label: t.label, measured: false, reason: firstLine(e) });
      }
    }
    return rows;
  }

  async fixedRateRow(
    t: Target,
    rate: number,
    warmupS: number,
    round: number,
  ): Promise<FixedRateRow> {
    const id = t.id;
    // prom-client resets its event-loop delay monitor on every scrape: this one starts it, and
    // the one after the warm-up starts it again, so the 50 TLS handshakes at the start (several
    // ms each, on the gateway's loop) do not count as lag of the measured part. That scrape's
    // count of full GCs is the start of the measured part's.
    if (t.adminUrl) await this.runtime(t.adminUrl);
    const adminUrl = t.adminUrl;
    let atWarmupEnd: Promise<GatewayRuntime | null> | undefined;
    const reset = adminUrl
      ? setTimeout(() => {
          atWarmupEnd = this.runtime(adminUrl);
        }, warmupS * 1000)
      : undefined;
    const meter = startCoreMeter(this.cfg.proxyCpu, t.pid);
    const p = await spawnPinned({
      name: `fixed-rate ${id}`,
      cpu: this.cfg.loadCpu,
      // A young generation big enough that the loader's own GC pauses (mark-compacts ~10 ms
      // each second with the default) do not show up as every target's p99.
      command: this.script(
        'load/fixed-rate.ts',
        [
          t.url + REQUEST_PATH,
          String(rate),
          String(this.cfg.fixedRateDurationS),
          String(warmupS),
          String(this.cfg.connections),
          JSON.stringify(t.headers ?? {}),
        ],
        ['--max-semi-space-size=64'],
      ),
      waitReady: true,
      readyTimeoutMs: (this.cfg.fixedRateDurationS + warmupS + 60) * 1000,
    });
    clearTimeout(reset);
    await p.stop();
    const m = meter();
    const end = t.adminUrl ? await this.runtime(t.adminUrl) : null;
    const start = await atWarmupEnd;
    const lag = end?.lag ?? null;
    const fullGcs =
      end?.fullGcs != null && start?.fullGcs != null ? end.fullGcs - start.fullGcs : undefined;
    const r = p.info as Record<string, number> & {
      sliceMaxMs?: number[];
      sliceSendLateMs?: number[];
      errorCodes?: Record<string, number>;
    };
    const sent = rate * (this.cfg.fixedRateDurationS + warmupS);
    const cpuUs = m.cpuMs != null ? (m.cpuMs * 1000) / sent : undefined;
    // % of the one core: µs a request × requests a second / 1e6 µs × 100.
    const busyPct = cpuUs === undefined ? 0 : (cpuUs * rate) / 1e4;
    const faults = m.pageFaults != null ? m.pageFaults / sent : undefined;
    log(
      `fixed rate round ${round + 1}/${this.cfg.rounds}${this.shieldedRound(round) ? ' (shielded)' : ''} ${rate}/s ${id}: p50 ${r.p50Ms?.toFixed(2)} ms p99 ${r.p99Ms?.toFixed(2)} ms (from send ${r.serviceP99Ms?.toFixed(2)} ms)${lag ? ` loop lag p99 ${lag.p99Ms.toFixed(2)} max ${lag.maxMs.toFixed(2)} ms` : ''}${fullGcs === undefined ? '' : ` full GCs ${fullGcs}`}${cpuUs === undefined ? '' : ` cpu ${cpuUs.toFixed(1)} µs/req (core ${busyPct.toFixed(0)} % busy)`}${faults === undefined ? '' : ` page faults ${faults.toFixed(2)}/req`}${formatCore(' ', m.otherPct, m.stealPct)}${r.errors ? ` errors ${r.errors} (${formatCodes(r.errorCodes ?? {})})` : ''}${r.sliceMaxMs ? `; worst 100 ms slices ${worstSlices(r.sliceMaxMs, 3, r.sliceSendLateMs)}` : ''}`,
    );
    return {
      id,
      label: t.label,
      measured: true,
      achievedRate: r.achievedRate,
      p50Ms: r.p50Ms,
      p99Ms: r.p99Ms,
      errors: r.errors,
      ...(r.errors && r.errorCodes ? { errorCodes: r.errorCodes } : {}),
      non2xx: r.non2xx,
      serviceP99Ms: r.serviceP99Ms,
      ...(r.sliceMaxMs ? { sliceMaxMs: r.sliceMaxMs } : {}),
      ...(r.sliceSendLateMs ? { sliceSendLateMs: r.sliceSendLateMs } : {}),
      ...(lag ? { loopLagP99Ms: lag.p99Ms, loopLagMaxMs: lag.maxMs } : {}),
      ...(fullGcs === undefined ? {} : { fullGcs }),
      ...(cpuUs === undefined ? {} : { cpuUsPerRequest: cpuUs, coreBusyPct: busyPct }),
      ...(faults === undefined ? {} : { pageFaultsPerRequest: faults }),
      ...(m.otherPct === undefined
        ? {}
        : { proxyCoreOtherPct: m.otherPct, proxyCoreStealPct: m.stealPct ?? 0 }),
    };
  }

  /**
   * From one scrape of the gateway's admin /metrics: its event-loop delay p99 and max since the
   * previous scrape, ms, beyond the monitor's own timer (prom-client samples with a 10 ms timer,
   * `eventLoopMonitoringPrecision`, and records the whole interval, so an idle loop reads
   * 10.2 ms); and how many full (mark-compact) GCs it has run so far.
   */
  async runtime(adminUrl: string): Promise<GatewayRuntime | null> {
    const body = await this.scrape(adminUrl);
    if (body == null) return null;
    const beyond = (name: string) =>
      Math.max(0, metricValue(body, name) * 1000 - LOOP_MONITOR_RESOLUTION_MS);
    const p99Ms = beyond('\\w*nodejs_eventloop_lag_p99_seconds');
    const maxMs = beyond('\\w*nodejs_eventloop_lag_max_seconds');
    const fullGcs = metricValue(body, '\\w*nodejs_gc_duration_seconds_count', 'kind="major"');
    return {
      lag: Number.isFinite(p99Ms) && Number.isFinite(maxMs) ? { p99Ms, maxMs } : null,
      fullGcs: Number.isFinite(fullGcs) ? fullGcs : null,
    };
  }

  async memory(): Promise<MemoryResult[]> {
    const rows: MemoryResult[] = [];
    for (const id of ['gw-full-https', 'node-proxy-https', 'nginx-https']) {
      const r = await this.memoryOf(id);
      if (r.measured) {
        log(
          `memory ${id}: ${r.idleRssMb?.toFixed(0)} → ${r.peakRssMb?.toFixed(0)} MB with ${r.connections} connections`,
        );
      } else log(`memory ${id} not measured: ${r.reason}`);
      rows.push(r);
    }
    return rows;
  }

  /**
   * RSS while `bench/load/hold-connections.ts` holds N keep-alive connections open, each sending
   * a request every 3 s (under the gateway's 5 s keep-alive timeout).
   */
  async memoryOf(id: string): Promise<MemoryResult> {
    const t = this.targets.find((x) => x.id === id)!;
    const connections = this.cfg.memoryConnections;
    const base = { id, label: t.label, connections };
    if (!t.url || t.unavailable || !t.pid) {
      return { ...base, measured: false, reason: t.unavailable ?? 'not started' };
    }
    const pid = t.pid;
    const idle = treeRssBytes(pid) ?? 0;
    let peak = idle;
    let fdsAtPeak = 0;
    let holder: PinnedProcess | undefined;
    try {
      holder = await spawnPinned({
        name: `hold ${id}`,
        cpu: this.cfg.loadCpu,
        command: this.script('load/hold-connections.ts', [
          t.url + REQUEST_PATH,
          String(connections),
          '3000',
          String(this.cfg.memoryDurationS),
          JSON.stringify(t.headers ?? {}),
        ]),
        waitReady: true,
        readyTimeoutMs: 180_000,
        nofile: connections * 2 + 1024,
      });
      const opened = holder.info as { open: number; openedInMs: number };
      const sampler = setInterval(() => {
        const rss = treeRssBytes(pid) ?? 0;
        if (rss > peak) {
          peak = rss;
          fdsAtPeak = countTreeFds(pid);
        }
      }, 200);
      let done: Record<string, number> = {};
      try {
        await waitFor(
          `the connection holder for ${id}`,
          async () => {
            const line = holder!
              .output()
              .split('\n')
              .find((l) => l.includes('"phase":"done"'));
            if (line) done = JSON.parse(line.slice(READY_PREFIX.length)) as Record<string, number>;
            return line !== undefined;
          },
          (this.cfg.memoryDurationS + 60) * 1000,
        );
      } finally {
        clearInterval(sampler);
      }
      const mb = (b: number) => b / (1024 * 1024);
      return {
        ...base,
        measured: true,
        idleRssMb: mb(idle),
        peakRssMb: mb(peak),
        perConnectionKb: (peak - idle) / 1024 / Math.max(1, opened.open),
        openFdsAtPeak: fdsAtPeak,
        openConnections: opened.open,
        openedInMs: opened.openedInMs,
        responses: done.responses,
        non2xx: done.non2xx,
        socketErrors: done.errors,
      };
    } catch (e) {
      return { ...base, measured: false, reason: firstLine(e) };
    } finally {
      await holder?.stop();
    }
  }

  /**
   * Instructions per request of the bare Node proxy and the gateway modes over HTTPS, each run
   * under callgrind on the proxy core with every other proxy paused (bench/lib/callgrind.ts).
   */
  async instructions(): Promise<InstructionsResult> {
    const cfg = this.cfg;
    const ab = cfg.abGatewayDir;
    // With an A/B base, each gateway mode is counted from both trees, the base right after.
    const specs = INSTRUCTION_TARGETS.flatMap((s): InstructionTarget[] =>
      ab && s.policy !== null
        ? [
            s,
            {
              ...s,
              id: s.id + AB_SUFFIX,
              label: `${s.label} [base: ${ab}]`,
              env: { BENCH_GATEWAY_DIR: ab },
            },
          ]
        : [s],
    ).filter((s) => this.wanted(s.id));
    const result: InstructionsResult = {
      requestsPerWindow: cfg.instructionRequests,
      warmupRequests: cfg.instructionWarmup,
      ratePerSecond: cfg.instructionRate,
      connections: INSTRUCTION_CONNECTIONS,
      rows: [],
      derived: [],
    };
    const missing = callgrindMissing();
    const paused = [
      ...new Set(this.targets.filter((t) => t.pid && t.family !== 'direct').map((t) => t.pid!)),
    ];
    for (const pid of paused) signalTree(pid, 'SIGSTOP');
    try {
      for (const spec of specs) {
        if (missing) {
          result.rows.push(instructionRow(spec, [], { reason: missing }));
          continue;
        }
        try {
          result.rows.push(await this.instructionsOf(spec));
        } catch (e) {
          log(`instructions ${spec.id} not measured: ${firstLine(e)}`);
          result.rows.push(instructionRow(spec, [], { reason: firstLine(e) }));
        }
      }
    } finally {
      for (const pid of paused) signalTree(pid, 'SIGCONT');
    }
    result.derived = deriveInstructionFigures(result.rows);
    return result;
  }

  async instructionsOf(spec: InstructionTarget): Promise<InstructionRow> {
    const cfg = this.cfg;
    const dir = join(this.tmp, 'callgrind');
    mkdirSync(dir, { recursive: true });
    const outFile = join(dir, spec.id.replace(AB_SUFFIX, '-base'));
    const keep = join(cfg.resultsDir, 'callgrind');
    mkdirSync(keep, { recursive: true });
    const prefix = callgrindPrefix(outFile);
    const nodeFlags = [
      ...CALLGRIND_NODE_FLAGS,
      ...(cfg.instructionJsNames ? ['--perf-basic-prof'] : []),
    ];
    // Start-up under valgrind takes minutes (every module's code is translated once).
    const timeoutMs = 900_000;
    const batching = countedAnalyticsBatching(cfg.instructionRequests);
    let proc: PinnedProcess;
    let url: string;
    let headers: Record<string, string> = {};
    log(`instructions ${spec.id}: starting under callgrind`);
    if (spec.policy === null) {
      proc = await spawnPinned({
        name: `${spec.id} (callgrind)`,
        cpu: cfg.proxyCpu,
        command: [
          ...prefix,
          ...this.script(
            'servers/node-proxy.ts',
            [this.upstreamUrl, 'https', this.cert.cert, this.cert.key],
            nodeFlags,
          ),
        ],
        env: { NODE_ENV: 'production' },
        waitReady: true,
        readyTimeoutMs: timeoutMs,
      });
      this.processes.push(proc);
      url = String(proc.info.url);
    } else {
      const g = await this.startGateway(
        `${spec.id.replace(AB_SUFFIX, '-base')}-callgrind`,
        spec.policy,
        'https',
        spec.env ?? {},
        {
          prefix,
          nodeFlags,
          timeoutMs,
          options: batching,
        },
      );
      proc = g.proc;
      url = g.ready.url;
      headers = g.headers;
    }
    const loader = await startCountLoader(
      cfg.loadCpu,
      url + REQUEST_PATH,
      INSTRUCTION_CONNECTIONS,
      headers,
    );
    try {
      // The warm-up opens every connection (no handshake falls inside a window) and lets V8
      // optimise the request path, as in a long-running process. For a gateway that ships
      // events it also ends half a batch in, so batches close mid-window: none at a window's
      // edge, where its sending would fall partly outside the count or into the idle count.
      const warmup =
        cfg.instructionWarmup +
        (spec.policy === 'full' ? Math.floor(batching.analyticsBatchEvents / 2) : 0);
      const warm = await loader.run(warmup);
      if (warm.ok !== warmup) {
        throw new Error(`warm-up: ${warm.ok} ok, ${warm.non2xx} non-2xx, ${warm.errors} errors`);
      }
      const counted: { total: number; ms: number }[] = [];
      for (let w = 0; w < cfg.instructionWindows; w++) {
        let batch: CountBatch | null = null;
        const { total, file } = await countInstructions(proc.pid, outFile, w, async () => {
          batch = await loader.run(cfg.instructionRequests, cfg.instructionRate ?? undefined);
        });
        // Kept for callgrind_annotate and bench/callgrind-report.ts (which names V8's code too).
        copyFileSync(file, join(keep, `${spec.id}.${w + 1}`));
        const b = batch as CountBatch | null;
        if (!b || b.ok !== cfg.instructionRequests) {
          throw new Error(
            `window ${w + 1}: ${b?.ok ?? 0} ok of ${cfg.instructionRequests} (${b?.non2xx ?? 0} non-2xx, ${b?.errors ?? 0} errors)`,
          );
        }
        counted.push({ total, ms: b.ms });
        log(
          `instructions ${spec.id}: window ${w + 1} ${formatInstructions(total / b.ok)} per request at ${((b.ok * 1000) / b.ms).toFixed(0)} req/s under valgrind`,
        );
      }
      // Timers run by the clock, not per request, and under valgrind a window lasts tens of times
      // longer than its requests would: the process's rate with nothing in flight is counted and
      // taken out. Counted last, after a pause that is not counted: right after requests the
      // shipper is still compressing and sending the last events, and V8 may still be finishing
      // optimising compilations, which are the requests' work, not the timers'. Both the pause
      // and the count end before the gateway's 5 s keep-alive timeout closes the connections.
      // Counted in four windows of a second, and the lowest taken: a late optimising compilation
      // (Turbofan jobs of 4–14 M instructions, the requests' work) fell into a 2 s idle count in
      // three runs, once into both of two, and was taken out of every window as if it were timers.
      await new Promise((r) => setTimeout(r, 2_000));
      const idleS = 1;
      let idle: { total: number; file: string } | undefined;
      for (let i = 0; i < 4; i++) {
        const count = await countInstructions(proc.pid, outFile, counted.length + i, async () => {
          await new Promise((r) => setTimeout(r, idleS * 1000));
        });
        if (idle === undefined || count.total < idle.total) {
          idle = count;
          copyFileSync(count.file, join(keep, `${spec.id}.idle`));
        }
      }
      if (idle === undefined) throw new Error('no idle count');
      const perfMap = `/tmp/perf-${proc.pid}.map`;
      if (cfg.instructionJsNames && existsSync(perfMap)) {
        copyFileSync(perfMap, join(keep, `${spec.id}.map`));
        rmSync(perfMap, { force: true });
      }
      const idlePerSecond = idle.total / idleS;
      const windows = counted.map(
        (c) => (c.total - (idlePerSecond * c.ms) / 1000) / cfg.instructionRequests,
      );
      const ms = counted.reduce((a, c) => a + c.ms, 0);
      const rate = (cfg.instructionRequests * counted.length * 1000) / ms;
      log(
        `instructions ${spec.id}: idle ${formatInstructions(idlePerSecond)} per second; windows less that: ${windows.map(formatInstructions).join(', ')}`,
      );
      return instructionRow(spec, windows, { idlePerSecond, rateUnderValgrind: rate });
    } finally {
      loader.stop();
      await proc.stop();
    }
  }

  /**
   * A separate gateway of mode `id`, profiled only while wrk loads it (SIGUSR2 starts and stops
   * the profiler in bench/servers/gateway.ts): `cpu`, time by function; `heap`, bytes allocated
   * per request by function.
   */
  async profile(id: string, kind: 'cpu' | 'heap'): Promise<string | null> {
    const what = kind === 'cpu' ? 'CPU profile' : 'Allocation profile';
    const base = id.endsWith(AB_SUFFIX);
    const mode = GATEWAY_MODES.find((m) => m.id === (base ? id.slice(0, -AB_SUFFIX.length) : id));
    if (!mode || (base && !this.cfg.abGatewayDir)) {
      this.notes.push(`${what} of ${id} not taken: no such gateway mode.`);
      return null;
    }
    const dir = join(this.cfg.resultsDir, 'profiles');
    mkdirSync(dir, { recursive: true });
    const name = id.replace(/[^a-z0-9-]/gi, '_');
    const file = join(
      dir,
      kind === 'cpu' ? `gateway-${name}.cpuprofile` : `alloc-${name}.heapprofile`,
    );
    rmSync(file, { force: true });
    let g: Awaited<ReturnType<Bench['startGateway']>>;
    try {
      g = await this.startGateway(`profile-${name}`, mode.policy, mode.protocol, {
        [kind === 'cpu' ? 'BENCH_CPU_PROFILE_FILE' : 'BENCH_HEAP_PROFILE_FILE']: file,
        ...(base ? { BENCH_GATEWAY_DIR: this.cfg.abGatewayDir! } : {}),
      });
    } catch (e) {
      this.notes.push(`${what} of ${id} not taken: ${firstLine(e)}`);
      return null;
    }
    const t: Target = {
      id: `profile-${name}`,
      label: 'profile',
      family: 'gateway',
      protocol: mode.protocol,
      url: g.ready.url,
      headers: g.headers,
    };
    await this.wrkOnce(t, this.cfg.warmupS * 2);
    process.kill(g.proc.pid, 'SIGUSR2');
    const s = await this.wrkOnce(t, Math.max(5, this.cfg.durationS * 2));
    process.kill(g.proc.pid, 'SIGUSR2');
    log(`profiled ${id} (${kind}) at ${s.rps.toFixed(0)} req/s (profiler overhead included)`);
    try {
      await waitFor(`the ${what}`, async () => existsSync(file), 30_000);
    } catch (e) {
      this.notes.push(`${what} of ${id} not written: ${firstLine(e)}`);
      return null;
    } finally {
      await g.proc.stop();
    }
    const json = JSON.parse(readFileSync(file, 'utf8'));
    const text =
      kind === 'cpu'
        ? `${id} under load (${s.rps.toFixed(0)} req/s while profiled)\n${renderProfileSummary(
            summarizeProfile(json as CpuProfile, 40),
          )}`
        : // wrk's count, not the gateway's: a few requests in flight at each signal are off by one window.
          `${id} under load (${s.rps.toFixed(0)} req/s while profiled)\n${renderAllocationSummary(
            summarizeAllocations(json as HeapProfile, s.requests, 40),
          )}`;
    // summary.txt stays the full chain's CPU profile (linked from the README); the rest get their own.
    const summary =
      kind === 'heap'
        ? `alloc-${name}.txt`
        : id === 'gw-full-https'
          ? 'summary.txt'
          : `summary-${name}.txt`;
    writeFileSync(join(dir, summary), `${text}\n`);
    this.notes.push(`${what} summary of ${id}: ${join(dir, summary)}.`);
    return text;
  }

  /** Evidence that capture really shipped: how many events the collector's query API counts. */
  async collectorEvents(): Promise<void> {
    if (!this.collector) return;
    try {
      const res = await fetchOnce(`${this.collector.url}/api/v1/overview?range=1h`, {
        headers: { authorization: `Bearer ${this.adminToken}` },
      });
      const body = JSON.parse(res.body) as { requests?: number };
      this.notes.push(
        res.status === 200
          ? `The collector's query API counted ${body.requests ?? '?'} request events in ClickHouse at the end of the run (the full-chain gateways ship every request).`
          : `The collector's query API answered ${res.status} when asked for the event count.`,
      );
    } catch (e) {
      this.notes.push(`Could not ask the collector for its event count: ${firstLine(e)}`);
    }
  }

  async stopAll(): Promise<void> {
    await Promise.allSettled(this.processes.reverse().map((p) => p.stop()));
    if (this.cfg.databaseUrl && this.schemas.length > 0) {
      const sql = this.schemas.map((s) => `DROP SCHEMA IF EXISTS ${s} CASCADE;`).join(' ');
      try {
        execFileSync('psql', [this.cfg.databaseUrl, '-q', '-c', sql], { stdio: 'ignore' });
      } catch {
        log(`could not drop the benchmark schemas (${this.schemas.join(', ')})`);
      }
    }
    rmSync(this.tmp, { recursive: true, force: true });
  }
}

/** The proxy core's interference for a log line, after `sep` ('' when it was not measured). */
function formatCore(
  sep: string,
  otherPct: number | undefined,
  stealPct: number | undefined,
): string {
  if (otherPct === undefined) return '';
  return `${sep}core other ${otherPct.toFixed(1)} % steal ${(stealPct ?? 0).toFixed(1)} %`;
}

function firstLine(e: unknown): string {
  const s = e instanceof Error ? e.message : String(e);
  return s.split('\n')[0]!.slice(0, 300);
}

interface GatewayRuntime {
  lag: { p99Ms: number; maxMs: number } | null;
  /** Full (mark-compact) GCs since the process started. */
  fullGcs: number | null;
}

/** Open file descriptors of a process and its children (nginx's worker holds the sockets). */
function countTreeFds(pid: number): number {
  let n = 0;
  try {
    n = readdirSync(`/proc/${pid}/fd`).length;
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    for (const c of children ? children.split(/\s+/) : []) n += countTreeFds(Number(c));
  } catch {}
  return n;
}

function hostInfo(loadAtStart: string): Record<string, string | number> {
  let kernel = 'unknown';
  try {
    kernel = execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim();
  } catch {}
  return {
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
    node: process.version,
    nginx: nginxVersion(),
    kernel,
    // Other processes on the proxy's core skew everything; the load average says if there were.
    'load average at start (1/5/15 min)': loadAtStart,
    'load average at end': loadavg()
      .map((l) => l.toFixed(1))
      .join(' / '),
  };
}

/** The instruction count, in instructions.{json,md} beside latest.*: it has its own runs. */
async function writeInstructions(bench: Bench): Promise<void> {
  const result = await bench.instructions();
  const dir = bench.cfg.resultsDir;
  mkdirSync(dir, { recursive: true });
  const md = [
    `# Gatehouse instructions per request — ${new Date().toISOString()}`,
    '',
    `Host: ${Object.entries(hostInfo('n/a'))
      .map(([k, v]) => `${k}: ${v}`)
      .join('; ')}`,
    '',
    renderInstructions(result),
    '',
  ].join('\n');
  writeFileSync(join(dir, 'instructions.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(dir, 'instructions.md'), md);
  console.log(md);
  log(`wrote ${join(dir, 'instructions.json')} and instructions.md`);
}

async function main(): Promise<void> {
  const cfg = loadBenchConfig();
  if (cfg.processOutput) keepProcessOutput(join(cfg.resultsDir, 'output'));
  const loadAtStart = loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');
  const bench = new Bench(cfg);
  const shield = cfg.shield === 'run' ? shieldCore(cfg.proxyCpu, cfg.loadCpu) : null;
  if (shield) {
    log(`shield: ${shield.moved} processes moved from cpu ${cfg.proxyCpu} to cpu ${cfg.loadCpu}`);
    bench.notes.push(
      `BENCH_SHIELD: the machine's other processes (${shield.moved}) ran on cpu ${cfg.loadCpu} during the run, off the proxy core; kernel threads stayed.`,
    );
  }
  if (cfg.shield === 'alternate') {
    bench.notes.push(
      `BENCH_SHIELD=alternate: in the odd fixed-rate rounds (marked "shielded" in the log) the machine's other processes ran on cpu ${cfg.loadCpu}, off the proxy core; kernel threads stayed.`,
    );
  }
  const stop = () => {
    void bench
      .stopAll()
      .finally(() => {
        shield?.restore();
        bench.roundShield?.restore();
      })
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  void READY_PREFIX;
  try {
    log(
      `settings: ${cfg.rounds} rounds × ${cfg.durationS} s, ${cfg.connections} connections, proxies on cpu ${cfg.proxyCpu}, load on cpu ${cfg.loadCpu}${cfg.quick ? ' (quick)' : ''}`,
    );
    await bench.startBaselines();
    await bench.startCollector();
    if (cfg.gatewayBuild === 'dist') {
      log('building the gateway with tsc (deploy/docker/tsconfig.gateway.json), as deployed');
      buildGateway(cfg.abGatewayDir);
    }
    if (cfg.skip.includes('throughput')) {
      if (cfg.instructions) await writeInstructions(bench);
      else log('BENCH_SKIP=throughput without BENCH_INSTRUCTIONS=1: nothing to measure');
      return;
    }
    await bench.startGateways();
    const samples = await bench.throughput();
    const configs = summarize(
      bench.targets
        .filter((t) => bench.wanted(t.id))
        .map((t) => ({
          id: t.id,
          label: t.label,
          family: t.family,
          protocol: t.protocol,
          measured: !t.unavailable && !!t.url,
          reason: t.unavailable ?? (t.url ? undefined : 'not started'),
        })),
      samples,
    );
    console.log(`\n${renderConsole(configs)}\n`);
    const full = configs.find((c) => c.id === 'gw-full-https')?.rps?.median ?? null;
    const fixedRate = cfg.skip.includes('fixed-rate') ? null : await bench.fixedRate(full);
    const memory = cfg.skip.includes('memory') ? [] : await bench.memory();
    await bench.collectorEvents();
    for (const [kind, ids] of [
      ['cpu', cfg.profile],
      ['heap', cfg.allocProfile],
    ] as const) {
      for (const id of ids) {
        const text = await bench.profile(id, kind);
        if (text) console.log(`\n${text}\n`);
      }
    }
    if (cfg.stallLog) {
      bench.notes.push(
        `Stall logs (BENCH_STALL_LOG): ${cfg.resultsDir}/stalls/<mode>.log; their 1 ms timer adds ~1,000 wake-ups a second to each gateway, so this run's figures are diagnostics, not results.`,
      );
    }
    bench.notes.push(
      "Every gateway mode is `startGateway()` itself with the gateway's `dataPlane` setting (`full`, `no-capture`, `forward-only`). * Over plain HTTP a `node:http` server in the gateway process serves the gateway's own request listener (`handleRequest`), since the gateway's plain-HTTP port answers 426 by design.",
      cfg.gatewayBuild === 'dist'
        ? 'The gateway runs compiled by tsc with the production tsconfig, as deployed; the upstream, the bare Node proxy and the loaders run transpiled to plain JavaScript (no tsx), the collector through tsx.'
        : 'The gateway runs its TypeScript through tsx (BENCH_GATEWAY_BUILD=src); the upstream, the bare Node proxy and the loaders run transpiled to plain JavaScript, the collector through tsx.',
    );
    const report: BenchReport = {
      date: new Date().toISOString(),
      conditions: cfg.conditions,
      host: hostInfo(loadAtStart),
      settings: {
        rounds: cfg.rounds,
        durationS: cfg.durationS,
        warmupS: cfg.warmupS,
        connections: cfg.connections,
        wrkThreads: 1,
        quick: cfg.quick,
        gatewayStore: cfg.databaseUrl ? 'PostgreSQL (own schema)' : 'PGlite',
        path: REQUEST_PATH,
      },
      pinning: `each proxy is one process pinned to cpu ${cfg.proxyCpu}; wrk, the upstream, the fixed-rate loader and the collector (with ClickHouse) share cpu ${cfg.loadCpu}`,
      configs,
      derived: deriveFigures(configs),
      fixedRate,
      memory,
      notes: bench.notes,
    };
    const md = renderMarkdown(report);
    const dir = cfg.resultsDir;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(join(dir, 'latest.md'), md);
    console.log(md);
    log(`wrote ${join(dir, 'latest.json')} and latest.md`);
    if (cfg.instructions) await writeInstructions(bench);
  } finally {
    await bench.stopAll();
    shield?.restore();
  }
}

await main();
