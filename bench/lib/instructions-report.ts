// Shaping of the instruction counts (bench/lib/callgrind.ts): per-configuration medians, the
// figures against the issue's aims, the Markdown section.
import { cell, costFigure, type DerivedFigure, ratioFigure, renderDerivedTable } from './report.js';
import { formatSpread, type Spread, spread } from './stats.js';

export interface InstructionRow {
  id: string;
  label: string;
  measured: boolean;
  reason?: string;
  /**
   * Instructions per request of each counted window, less what the process runs by the clock
   * (its idle rate × the window's duration): under valgrind a window lasts tens of times longer
   * than the same requests would, and its timers would be charged to them.
   */
  windows: number[];
  /**
   * The windows' median, with their range. A median: the first windows after the warm-up still
   * hold bursts of optimising compilation (V8 compiling dozens of functions at once on its
   * helper thread, ~100 k instructions a request for that window), which a long-running process
   * has long finished.
   */
  perRequest?: Spread;
  /** The windows' mean, bursts included, to show how far they move it. */
  mean?: number;
  /** Instructions per second with no request in flight (timers), measured in a window of its own. */
  idlePerSecond?: number;
  /** Requests per second the process served under valgrind. */
  rateUnderValgrind?: number;
}

export interface InstructionsResult {
  requestsPerWindow: number;
  warmupRequests: number;
  /** Windows paced at this rate; null (or absent, in older results) for closed-loop windows. */
  ratePerSecond?: number | null;
  connections: number;
  rows: InstructionRow[];
  derived: DerivedFigure[];
}

/**
 * A row from its windows' net counts (instructions per request each); with no window, a row
 * saying why it was not measured.
 */
export function instructionRow(
  spec: { id: string; label: string },
  windows: number[],
  extra: { idlePerSecond?: number; rateUnderValgrind?: number; reason?: string } = {},
): InstructionRow {
  const { id, label } = spec;
  if (windows.length === 0) {
    return { id, label, measured: false, reason: extra.reason ?? 'no window', windows };
  }
  const mean = windows.reduce((a, b) => a + b, 0) / windows.length;
  const { idlePerSecond, rateUnderValgrind } = extra;
  return {
    id,
    label,
    measured: true,
    windows,
    perRequest: spread(windows),
    mean,
    ...(idlePerSecond === undefined ? {} : { idlePerSecond }),
    ...(rateUnderValgrind === undefined ? {} : { rateUnderValgrind }),
  };
}

/** `reference / value`: fewer instructions per request is proportionally more throughput. */
function speedRatio(rows: readonly InstructionRow[], a: string, reference: string): Spread | null {
  const ia = rows.find((r) => r.id === a)?.perRequest?.median;
  const ib = rows.find((r) => r.id === reference)?.perRequest?.median;
  if (!ia || !ib) return null;
  const r = ib / ia;
  return { median: r, min: r, max: r, n: 1 };
}

/** Id suffix of a configuration counted from an A/B base tree (BENCH_AB_GATEWAY). */
export const BASE_SUFFIX = '@base';

/** A change against the A/B base: `-4.2 % (198.1 k → 189.8 k)`. */
function abFigures(rows: readonly InstructionRow[]): DerivedFigure[] {
  return rows.flatMap((base) => {
    if (!base.id.endsWith(BASE_SUFFIX)) return [];
    const now = rows.find((r) => r.id === base.id.slice(0, -BASE_SUFFIX.length));
    const a = now?.perRequest?.median;
    const b = base.perRequest?.median;
    const value =
      a && b
        ? `${a > b ? '+' : ''}${(((a - b) / b) * 100).toFixed(1)} % (${formatInstructions(b)} → ${formatInstructions(a)})`
        : 'n/a';
    return [
      {
        name: `${now?.label ?? base.id}: this tree against the base`,
        value,
        aim: '(A/B)',
        met: null,
      },
    ];
  });
}

/** The aims the instruction counts can speak to (not nginx's: its work is mostly the kernel's). */
export function deriveInstructionFigures(rows: readonly InstructionRow[]): DerivedFigure[] {
  const full = 'gw-full-https';
  return [
    ratioFigure(
      'full chain vs bare Node proxy (both HTTPS), by instructions',
      speedRatio(rows, full, 'node-proxy-https'),
      1,
    ),
    costFigure(
      'policies cost (key auth + rate limit + capture vs no policy, HTTPS), by instructions',
      speedRatio(rows, full, 'gw-nopolicy-https'),
      0.15,
    ),
    costFigure(
      'capture cost (full chain vs capture off, HTTPS), by instructions',
      speedRatio(rows, full, 'gw-nocapture-https'),
      0.05,
    ),
    ...abFigures(rows),
  ];
}

/** 1234567 → `1.235 M`: four significant figures, enough to see a 0.1 % change. */
export function formatInstructions(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(3)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return n.toFixed(0);
}

export function renderInstructions(r: InstructionsResult | null): string {
  if (!r) return '_Not run (BENCH_INSTRUCTIONS=1 runs it)._';
  const lines = [
    `Each configuration alone under \`valgrind --tool=callgrind\`, ${r.connections} keep-alive connections (bench/load/count.ts), ${r.warmupRequests} warm-up requests, then windows of exactly ${r.requestsPerWindow} requests${r.ratePerSecond ? ` paced at ${r.ratePerSecond} a second (each request sent at its time, as at a fixed rate)` : ' (closed loop: each connection sends its next request when its last is answered)'}: counters reset before a window and dumped after it, so a window holds those requests' instructions in every thread of the process and nothing else, less the process's idle rate (its timers) over the window's duration. User space only: the kernel's work (syscalls, loopback TCP) is not counted, so a policy's share here is an upper bound of its share of CPU.`,
    '',
    '| configuration | instructions / request, median (min–max) | mean | windows | idle, per second | req/s under valgrind |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const row of r.rows) {
    if (!row.measured || !row.perRequest) {
      lines.push(`| ${cell(row.label)} | not measured | | | | ${cell(row.reason ?? '')} |`);
      continue;
    }
    lines.push(
      `| ${cell(row.label)} | ${formatSpread(row.perRequest, formatInstructions)} | ${row.mean === undefined ? '—' : formatInstructions(row.mean)} | ${row.windows.length} | ${row.idlePerSecond === undefined ? '—' : formatInstructions(row.idlePerSecond)} | ${row.rateUnderValgrind?.toFixed(0) ?? '—'} |`,
    );
  }
  lines.push('', renderDerivedTable(r.derived));
  return lines.join('\n');
}
