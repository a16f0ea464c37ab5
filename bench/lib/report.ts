// Pure shaping of benchmark results: summaries, ratios, derived costs, the Markdown report.
import {
  formatMs,
  formatRatio,
  formatRps,
  formatSpread,
  ratio,
  type Spread,
  spread,
} from './stats.js';

export type Protocol = 'http' | 'https';
/** Which baseline family a configuration belongs to; ratios are taken against these. */
export type Family = 'direct' | 'nginx' | 'node-proxy' | 'gateway';

export interface RoundSample {
  /** Which interleaved round (0-based) this sample belongs to: configurations are paired by it. */
  round?: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  socketErrors: number;
  /**
   * CPU time the proxy process (and its children) used per response in this round, µs: what a
   * request costs the proxy, which other load on the machine disturbs far less than req/s.
   */
  cpuUsPerRequest?: number;
  /**
   * Share of the round's wall time the proxy's core spent on other processes (busy time of the
   * core minus the proxy's own CPU), and stolen by the hypervisor, %: a round with either well
   * above zero was disturbed, whatever its figures say.
   */
  proxyCoreOtherPct?: number;
  proxyCoreStealPct?: number;
  /** CPU the collector and its ClickHouse used during a full chain's round, % of one core. */
  collectorCpuPct?: number;
}

export interface ConfigSpec {
  id: string;
  label: string;
  family: Family;
  protocol: Protocol;
}

export interface ConfigResult extends ConfigSpec {
  measured: boolean;
  /** Why a configuration was not measured (e.g. the gateway cannot start in that mode yet). */
  reason?: string;
  samples: RoundSample[];
  rps?: Spread;
  p50Ms?: Spread;
  p99Ms?: Spread;
  /** Proxy CPU µs per response, when the proxy's process was known. */
  cpuUs?: Spread;
  /** Other work and steal on the proxy core, % of wall time (see RoundSample). */
  proxyCoreOtherPct?: Spread;
  proxyCoreStealPct?: Spread;
  /** Median req/s against direct, nginx and the bare Node proxy (same protocol). */
  ratios?: { direct: number | null; nginx: number | null; nodeProxy: number | null };
  /** Warnings a reader must see next to the figures (errors, rejected requests). */
  warnings: string[];
}

export interface DerivedFigure {
  name: string;
  value: string;
  aim: string;
  met: boolean | null;
  /**
   * The rounds fell on both sides of the aim: the median's ✓ or ✗ is this run's reading, not a
   * settled result (on the project's VM one run's 3 rounds read 0.74× where 8 rounds minutes
   * later read 1.23×).
   */
  unsettled?: boolean;
}

export interface FixedRateRow {
  id: string;
  label: string;
  measured: boolean;
  reason?: string;
  achievedRate?: number;
  p50Ms?: number;
  p99Ms?: number;
  errors?: number;
  /** Those errors by code (ECONNRESET, …; `no answer` for requests still open at the end). */
  errorCodes?: Record<string, number>;
  non2xx?: number;
  /** Proxy CPU per request at this rate (warm-up included), µs. */
  cpuUsPerRequest?: number;
  /**
   * That CPU per request times the rate, % of the proxy's one core. At half of the maximum rate
   * it would be ~50 if a request cost what it costs at the maximum rate; on a VM whose core idles
   * between requests it costs more (bench/FINDINGS.md, 2026-11-27 morning), and the busier core
   * is what queues requests behind every pause.
   */
  coreBusyPct?: number;
  /**
   * p99 from the moment the loader really sent each request (not the scheduled time): when it
   * is far below `p99Ms`, the loader itself fell behind (its core was busy), not the proxy.
   */
  serviceP99Ms?: number;
  /** The gateway's own event-loop delay over the run (prom-client's monitor): p99 and max, ms. */
  loopLagP99Ms?: number;
  loopLagMaxMs?: number;
  /**
   * Full (mark-compact) GCs the gateway ran during the measured part. Each is ~100 ms in which
   * V8's marking threads share the gateway's core with its event loop (the largest cause of its
   * half-load p99 in the 2026-11-26 runs).
   */
  fullGcs?: number;
  /** Other work and steal on the proxy core over the run, % of wall time (see RoundSample). */
  proxyCoreOtherPct?: number;
  proxyCoreStealPct?: number;
  /**
   * The worst latency among the requests scheduled in each 100 ms of the measured part, ms:
   * whether the tail is one episode or a pattern. One round's; a merged row leaves it out.
   */
  /** Page faults of the proxy process per request sent (warm-up included, like the CPU). */
  pageFaultsPerRequest?: number;
  sliceMaxMs?: number[];
  /** How late the loader sent each slice's requests at worst, ms (same slices). One round's. */
  sliceSendLateMs?: number[];
  /** A row merged from several rounds: how many were measured and the spread of their p99s. */
  rounds?: number;
  p99?: Spread;
}

export interface FixedRateResult {
  loader: string;
  rate: number | null;
  durationS: number;
  connections: number;
  rows: FixedRateRow[];
  /** Gateway full-chain p99 minus the direct p99 at the same rate, ms: the median over rounds. */
  addedP99Ms: number | null;
  /** That difference per round (each round runs every target once, in turn), ms. */
  addedP99?: Spread;
  reason?: string;
}

export interface MemoryResult {
  id: string;
  label: string;
  measured: boolean;
  reason?: string;
  connections: number;
  idleRssMb?: number;
  peakRssMb?: number;
  /** (peak − idle) / connections, KiB. */
  perConnectionKb?: number;
  openFdsAtPeak?: number;
  /** Connections the holder had open once the opening phase ended. */
  openConnections?: number;
  openedInMs?: number;
  responses?: number;
  non2xx?: number;
  socketErrors?: number;
}

export interface BenchReport {
  date: string;
  conditions: string;
  host: Record<string, string | number>;
  settings: Record<string, string | number | boolean>;
  pinning: string;
  configs: ConfigResult[];
  derived: DerivedFigure[];
  fixedRate: FixedRateResult | null;
  memory: MemoryResult[];
  notes: string[];
}

/** A configuration whose rounds contain errors or rejected requests gets a warning. */
export function sampleWarnings(samples: readonly RoundSample[]): string[] {
  const warnings: string[] = [];
  const non2xx = samples.reduce((a, s) => a + s.non2xx, 0);
  const sock = samples.reduce((a, s) => a + s.socketErrors, 0);
  const total = samples.reduce((a, s) => a + s.requests, 0);
  if (non2xx > 0) warnings.push(`${non2xx} of ${total} responses not 2xx/3xx`);
  if (sock > 0) warnings.push(`${sock} socket errors`);
  return warnings;
}

/** Fills spreads and ratios; baselines are looked up by family and protocol. */
export function summarize(
  specs: readonly (ConfigSpec & { measured: boolean; reason?: string })[],
  samplesById: ReadonlyMap<string, RoundSample[]>,
): ConfigResult[] {
  const base = specs.map((spec): ConfigResult => {
    const samples = samplesById.get(spec.id) ?? [];
    const measured = spec.measured && samples.length > 0;
    const r: ConfigResult = {
      ...spec,
      measured,
      samples,
      warnings: sampleWarnings(samples),
    };
    if (!measured) {
      r.reason = spec.reason ?? 'no successful round';
      return r;
    }
    r.rps = spread(samples.map((s) => s.rps));
    r.p50Ms = spread(samples.map((s) => s.p50Ms));
    r.p99Ms = spread(samples.map((s) => s.p99Ms));
    const cpu = samples.flatMap((s) =>
      s.cpuUsPerRequest === undefined ? [] : [s.cpuUsPerRequest],
    );
    if (cpu.length > 0) r.cpuUs = spread(cpu);
    const other = samples.flatMap((s) => s.proxyCoreOtherPct ?? []);
    const steal = samples.flatMap((s) => s.proxyCoreStealPct ?? []);
    if (other.length > 0) r.proxyCoreOtherPct = spread(other);
    if (steal.length > 0) r.proxyCoreStealPct = spread(steal);
    return r;
  });
  const medianOf = (family: Family, protocol: Protocol | null) =>
    base.find((c) => c.family === family && (protocol == null || c.protocol === protocol))?.rps
      ?.median ?? null;
  for (const c of base) {
    if (!c.rps) continue;
    c.ratios = {
      direct: ratio(c.rps.median, medianOf('direct', null)),
      nginx: ratio(c.rps.median, medianOf('nginx', c.protocol)),
      nodeProxy: ratio(c.rps.median, medianOf('node-proxy', c.protocol)),
    };
  }
  return base;
}

const rpsOf = (configs: readonly ConfigResult[], id: string) =>
  configs.find((c) => c.id === id)?.rps?.median ?? null;

/**
 * `a`'s req/s over `b`'s round by round (both measured in the same round, seconds apart). The
 * machine's speed drifts between rounds (on a shared VM by up to 2× within minutes), and a ratio
 * taken within a round cancels most of that drift where a ratio of two medians does not.
 * Null when the two never ran in the same round (or samples carry no round).
 */
export function pairedRatios(
  configs: readonly ConfigResult[],
  a: string,
  b: string,
): Spread | null {
  const ca = configs.find((c) => c.id === a);
  const cb = configs.find((c) => c.id === b);
  if (!ca?.measured || !cb?.measured) return null;
  const other = new Map<number, number>();
  for (const s of cb.samples) if (s.round !== undefined) other.set(s.round, s.rps);
  const ratios = ca.samples.flatMap((s) => {
    const rps = s.round === undefined ? undefined : other.get(s.round);
    return rps !== undefined && rps > 0 ? [s.rps / rps] : [];
  });
  return ratios.length > 0 ? spread(ratios) : null;
}

/** A ratio between two configurations: per-round pairs when there are any, else the medians'. */
function compare(configs: readonly ConfigResult[], a: string, b: string): Spread | null {
  const paired = pairedRatios(configs, a, b);
  if (paired) return paired;
  const r = ratio(rpsOf(configs, a), rpsOf(configs, b));
  return r == null ? null : { median: r, min: r, max: r, n: 1 };
}

/** The median alone, or with the per-round range when several rounds were paired. */
function withRange(
  r: Spread | null,
  median: (r: Spread) => string,
  range: (r: Spread) => string,
): string {
  if (r == null) return 'n/a';
  return r.n > 1 ? `${median(r)} (${range(r)}, ${r.n} rounds)` : median(r);
}

export function ratioFigure(name: string, r: Spread | null, aim: number): DerivedFigure {
  return {
    name,
    value: withRange(
      r,
      (x) => formatRatio(x.median),
      (x) => `${x.min.toFixed(2)}–${x.max.toFixed(2)}×`,
    ),
    aim: `≥ ${aim.toFixed(2)}×`,
    met: r == null ? null : r.median >= aim,
    unsettled: r != null && r.n > 1 && r.min < aim && r.max >= aim,
  };
}

/** A cost: how much slower `a` is than `b` (1 − ratio), with the per-round range. */
export function costFigure(name: string, r: Spread | null, aim: number | null): DerivedFigure {
  const pct = (x: number) => ((1 - x) * 100).toFixed(1);
  return {
    name,
    value: withRange(
      r,
      (x) => `${pct(x.median)} %`,
      (x) => `${pct(x.max)}–${pct(x.min)} %`,
    ),
    aim: aim == null ? '(information)' : `≤ ${Math.round(aim * 100)} %`,
    met: r == null || aim == null ? null : 1 - r.median <= aim,
    // The cost of a round is 1 − its ratio: the highest ratio is the lowest cost.
    unsettled: r != null && aim != null && r.n > 1 && 1 - r.max <= aim && 1 - r.min > aim,
  };
}

/**
 * The figures the issue sets aims for: the median of per-round ratios between the two
 * configurations (with their range), or the ratio of medians when rounds cannot be paired.
 */
export function deriveFigures(configs: readonly ConfigResult[]): DerivedFigure[] {
  const full = 'gw-full-https';
  return [
    ratioFigure(
      'full chain vs bare Node proxy (both HTTPS)',
      compare(configs, full, 'node-proxy-https'),
      1,
    ),
    ratioFigure(
      'full chain (HTTPS) vs bare Node proxy (HTTP)',
      compare(configs, full, 'node-proxy-http'),
      1,
    ),
    ratioFigure('full chain vs nginx (both HTTPS)', compare(configs, full, 'nginx-https'), 0.5),
    ratioFigure('full chain (HTTPS) vs nginx (HTTP)', compare(configs, full, 'nginx-http'), 0.5),
    costFigure(
      'policies cost (key auth + rate limit + capture vs no policy, HTTPS)',
      compare(configs, full, 'gw-nopolicy-https'),
      0.15,
    ),
    costFigure(
      'capture cost (full chain vs capture off, HTTPS)',
      compare(configs, full, 'gw-nocapture-https'),
      0.05,
    ),
    costFigure(
      'TLS cost (gateway without policy, HTTPS vs HTTP)',
      compare(configs, 'gw-nopolicy-https', 'gw-nopolicy-http'),
      null,
    ),
  ];
}

const mark = (met: boolean | null) => (met == null ? '' : met ? ' ✓' : ' ✗');

/** Escapes a table cell. */
export function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

const formatUs = (us: number) => us.toFixed(1);

/** The worst round's other work and steal on the proxy core: one disturbed round is enough to doubt. */
function formatInterference(c: ConfigResult): string {
  if (!c.proxyCoreOtherPct && !c.proxyCoreStealPct) return '—';
  const pct = (s: Spread | undefined) => (s ? s.max.toFixed(1) : '—');
  return `${pct(c.proxyCoreOtherPct)} / ${pct(c.proxyCoreStealPct)}`;
}

export function renderThroughputTable(configs: readonly ConfigResult[]): string {
  const lines = [
    '| configuration | req/s median (min–max) | p50 ms | p99 ms | proxy CPU µs/req | proxy core: other / steal % (max) | × direct | × nginx | × Node proxy | notes |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const c of configs) {
    if (!c.measured || !c.rps || !c.p50Ms || !c.p99Ms) {
      lines.push(
        `| ${cell(c.label)} | not measured | | | | | | | | ${cell(c.reason ?? 'not measured')} |`,
      );
      continue;
    }
    lines.push(
      `| ${cell(c.label)} | ${formatSpread(c.rps, formatRps)} | ${formatSpread(c.p50Ms, formatMs)} | ${formatSpread(c.p99Ms, formatMs)} | ${c.cpuUs ? formatSpread(c.cpuUs, formatUs) : '—'} | ${formatInterference(c)} | ${formatRatio(c.ratios?.direct ?? null)} | ${formatRatio(c.ratios?.nginx ?? null)} | ${formatRatio(c.ratios?.nodeProxy ?? null)} | ${cell(c.warnings.join('; '))} |`,
    );
  }
  return lines.join('\n');
}

export function renderDerivedTable(derived: readonly DerivedFigure[]): string {
  const lines = ['| figure | value | aim |', '|---|---:|---|'];
  for (const d of derived) {
    const unsettled = d.unsettled ? ' (rounds on both sides of the aim)' : '';
    lines.push(`| ${cell(d.name)} | ${d.value}${mark(d.met)}${unsettled} | ${d.aim} |`);
  }
  return lines.join('\n');
}

/**
 * Rows of several fixed-rate rounds (each round a list of rows, one per target) as one row per
 * target: the median of each figure over the rounds in which it was measured, the p99's spread, and
 * the added p99 (full chain − direct) paired within each round, so a slow minute that hits both
 * rows of one round does not count as the gateway's.
 */
export function mergeFixedRateRounds(rounds: readonly (readonly FixedRateRow[])[]): {
  rows: FixedRateRow[];
  addedP99Ms: number | null;
  addedP99?: Spread;
} {
  const ids: string[] = [];
  for (const round of rounds) for (const r of round) if (!ids.includes(r.id)) ids.push(r.id);
  const rows = ids.map((id): FixedRateRow => {
    const all = rounds.flatMap((round) => round.filter((r) => r.id === id));
    const measured = all.filter((r) => r.measured);
    if (measured.length === 0)
      return { ...all[0]!, sliceMaxMs: undefined, sliceSendLateMs: undefined };
    const med = (pick: (r: FixedRateRow) => number | undefined) => {
      const values = measured.map(pick).filter((v): v is number => v !== undefined);
      return values.length ? spread(values).median : undefined;
    };
    const row: FixedRateRow = {
      id,
      label: measured[0]!.label,
      measured: true,
      rounds: measured.length,
      p99: spread(measured.map((r) => r.p99Ms ?? 0)),
      errors: measured.reduce((n, r) => n + (r.errors ?? 0), 0),
      non2xx: measured.reduce((n, r) => n + (r.non2xx ?? 0), 0),
    };
    const codes: Record<string, number> = {};
    for (const r of measured) {
      for (const [code, n] of Object.entries(r.errorCodes ?? {}))
        codes[code] = (codes[code] ?? 0) + n;
    }
    if (Object.keys(codes).length) row.errorCodes = codes;
    const figures = [
      'achievedRate',
      'p50Ms',
      'p99Ms',
      'serviceP99Ms',
      'loopLagP99Ms',
      'loopLagMaxMs',
      'fullGcs',
      'cpuUsPerRequest',
      'coreBusyPct',
      'pageFaultsPerRequest',
      'proxyCoreOtherPct',
      'proxyCoreStealPct',
    ] as const;
    for (const key of figures) {
      const v = med((r) => r[key]);
      if (v !== undefined) row[key] = v;
    }
    return row;
  });
  const added = rounds.flatMap((round) => {
    const p99 = (id: string) => round.find((r) => r.id === id && r.measured)?.p99Ms;
    const gw = p99('gw-full-https');
    const direct = p99('direct');
    return gw !== undefined && direct !== undefined ? [gw - direct] : [];
  });
  if (added.length === 0) return { rows, addedP99Ms: null };
  const addedP99 = spread(added);
  return { rows, addedP99Ms: addedP99.median, addedP99 };
}

/** `ECONNRESET 3, EPIPE 1`: error counts by code, most frequent first. */
export function formatCodes(codes: Record<string, number>): string {
  return Object.entries(codes)
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
}

export function renderFixedRate(f: FixedRateResult | null): string {
  if (!f) return '_Not run._';
  if (f.rate == null) return `_Not measured: ${f.reason ?? 'no gateway maximum rate'}._`;
  const lines = [
    `Open-loop fixed rate of ${formatRps(f.rate)} req/s (half the full chain's median maximum), ${f.durationS} s after a ramp-up, ${f.connections} connections, loader: ${f.loader}. Each figure is the median over the rounds (every target once per round, in turn); p99 shows min–max.`,
    '',
    '| target | achieved req/s | p50 ms | p99 ms (min–max) | p99 from send ms | event-loop lag p99 / max ms | full GCs | proxy CPU µs/req | proxy core busy % | proxy core: other / steal % | errors / non-2xx |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of f.rows) {
    if (!r.measured) {
      lines.push(`| ${cell(r.label)} | not measured | | | | | | | | | ${cell(r.reason ?? '')} |`);
      continue;
    }
    lines.push(
      `| ${cell(r.label)} | ${formatRps(r.achievedRate ?? 0)} | ${formatMs(r.p50Ms ?? 0)} | ${r.p99 ? formatSpread(r.p99, formatMs) : formatMs(r.p99Ms ?? 0)} | ${r.serviceP99Ms === undefined ? '—' : formatMs(r.serviceP99Ms)} | ${r.loopLagP99Ms === undefined ? '—' : `${formatMs(r.loopLagP99Ms)} / ${formatMs(r.loopLagMaxMs ?? 0)}`} | ${r.fullGcs ?? '—'} | ${r.cpuUsPerRequest === undefined ? '—' : formatUs(r.cpuUsPerRequest)} | ${r.coreBusyPct === undefined ? '—' : r.coreBusyPct.toFixed(0)} | ${r.proxyCoreOtherPct === undefined ? '—' : `${r.proxyCoreOtherPct.toFixed(1)} / ${(r.proxyCoreStealPct ?? 0).toFixed(1)}`} | ${r.errors ?? 0}${r.errorCodes ? ` (${cell(formatCodes(r.errorCodes))})` : ''} / ${r.non2xx ?? 0} |`,
    );
  }
  lines.push('');
  lines.push(
    f.addedP99Ms == null
      ? 'Added p99: n/a.'
      : `**Added p99 latency (full chain − direct, paired by round): ${f.addedP99 ? formatSpread(f.addedP99, formatMs) : formatMs(f.addedP99Ms)} ms** (aim ≤ 2 ms)${mark(f.addedP99Ms <= 2)}.`,
  );
  return lines.join('\n');
}

export function renderMemory(rows: readonly MemoryResult[]): string {
  if (rows.length === 0) return '_Not run._';
  const lines = [
    `bench/load/hold-connections.ts opens ${rows[0]!.connections} keep-alive connections (at most 200 handshakes at a time) and sends one request on each every ~3 s for the hold period; RSS of the process and its children sampled every 200 ms from /proc.`,
    '',
    '| process | connections open | idle RSS MB | peak RSS MB | KiB per connection | open fds at peak | responses | non-2xx / socket errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const m of rows) {
    if (!m.measured) {
      lines.push(`| ${cell(m.label)} | not measured | | | | | | ${cell(m.reason ?? '')} |`);
      continue;
    }
    lines.push(
      `| ${cell(m.label)} | ${m.openConnections ?? '?'} | ${m.idleRssMb?.toFixed(0)} | ${m.peakRssMb?.toFixed(0)} | ${m.perConnectionKb?.toFixed(1)} | ${m.openFdsAtPeak ?? '?'} | ${m.responses ?? 0} | ${m.non2xx ?? 0} / ${m.socketErrors ?? 0} |`,
    );
  }
  return lines.join('\n');
}

export function renderMarkdown(r: BenchReport): string {
  const settings = Object.entries(r.settings)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const host = Object.entries(r.host)
    .map(([k, v]) => `${k}: ${v}`)
    .join('; ');
  return [
    `# Gatehouse benchmark — ${r.date}`,
    '',
    `Conditions: ${r.conditions}`,
    '',
    `Host: ${host}`,
    '',
    `Settings: ${settings}`,
    '',
    `Pinning: ${r.pinning}`,
    '',
    '## Maximum throughput (closed loop, wrk)',
    '',
    renderThroughputTable(r.configs),
    '',
    'Ratios compare median req/s; "× nginx" and "× Node proxy" use the baseline with the same protocol (HTTP or HTTPS); "× direct" is the upstream without a proxy (HTTP).',
    '',
    '## Against the aims',
    '',
    renderDerivedTable(r.derived),
    '',
    '## Added latency at half load',
    '',
    renderFixedRate(r.fixedRate),
    '',
    '## Memory under many connections',
    '',
    renderMemory(r.memory),
    '',
    ...(r.notes.length ? ['## Notes', '', ...r.notes.map((n) => `- ${n}`), ''] : []),
  ].join('\n');
}

/** A compact console table (fixed-width columns). */
export function renderConsole(configs: readonly ConfigResult[]): string {
  const rows: string[][] = [
    [
      'configuration',
      'req/s (min–max)',
      'p50 ms',
      'p99 ms',
      'CPU µs/req',
      '×direct',
      '×nginx',
      '×node',
    ],
  ];
  for (const c of configs) {
    if (!c.measured || !c.rps || !c.p50Ms || !c.p99Ms) {
      rows.push([c.label, `not measured: ${c.reason ?? ''}`, '', '', '', '', '', '']);
      continue;
    }
    rows.push([
      c.label + (c.warnings.length ? ' (!)' : ''),
      formatSpread(c.rps, formatRps),
      formatMs(c.p50Ms.median),
      formatMs(c.p99Ms.median),
      c.cpuUs ? formatUs(c.cpuUs.median) : '—',
      formatRatio(c.ratios?.direct ?? null),
      formatRatio(c.ratios?.nginx ?? null),
      formatRatio(c.ratios?.nodeProxy ?? null),
    ]);
  }
  const widths = rows[0]!.map((_, i) =>
    Math.min(48, Math.max(...rows.map((r) => (r[i] ?? '').length))),
  );
  return rows.map((r) => r.map((v, i) => v.padEnd(widths[i]!)).join('  ')).join('\n');
}
