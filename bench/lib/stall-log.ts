// A diagnostic for the half-load tail, run inside a measured gateway (BENCH_STALL_LOG): when
// its event loop stalls, which of the process's threads had the core. On a proxy pinned to one
// core, a V8 helper thread (parallel marking, sweeping, compilation) that runs takes the core
// from the event loop; the loop's own delay monitor cannot tell that from the loop being busy.
//
// Writes lines with the wall clock (UTC, ms), to line up with the loader's slices and the
// bench's log:
//   22:05:05.018 stall 21.2 ms; cpu over the last 104 ms: 10673 20 ms, main 10 ms, …
//       a 1 ms timer fired this much late; each thread's CPU since the reading before (threads
//       are read every 100 ms, and at a stall 20 ms or more after the last reading), the main
//       thread (tid = pid) named `main`; then, when the process is pinned to one core, what
//       that core did meanwhile besides this process: `core 1: idle 20 ms, irq 0 ms, other
//       processes 0 ms, steal 0 ms`. A stall with no CPU for the process and the core idle is
//       the host not running the virtual CPU (on a host that reports no steal time).
//   22:05:05.082 gc major 10.8 ms       a GC pause longer than 2 ms (perf_hooks entry)
// The 1 ms timer costs the process ~1,000 wake-ups a second: figures of a run with it on are
// diagnostics, not results.
import { appendFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  constants,
  type PerformanceEntry,
  PerformanceObserver,
  performance,
} from 'node:perf_hooks';
import {
  allowedCpuList,
  CLOCK_TICKS,
  type CoreTimes,
  coreTimes,
  statCpuTicks,
} from './processes.js';

/**
 * Each thread's CPU between two readings, ms, busiest first, the main thread (tid = pid) named
 * `main`: `main 30 ms, 10673 20 ms`. Threads without CPU in between are left out.
 */
export function cpuBetween(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
  mainTid: string,
  msPerTick: number,
): string {
  const rows: [string, number][] = [];
  for (const [tid, ticks] of after) {
    const ms = (ticks - (before.get(tid) ?? 0)) * msPerTick;
    if (ms > 0) rows.push([tid === mainTid ? 'main' : tid, ms]);
  }
  rows.sort((a, b) => b[1] - a[1]);
  return rows.map(([name, ms]) => `${name} ${ms} ms`).join(', ');
}

function readThreads(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      out.set(tid, statCpuTicks(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')));
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

/** What the core did between two readings besides `processMs` of this process's CPU. */
export function coreBetween(
  cpu: string,
  before: CoreTimes,
  after: CoreTimes,
  processMs: number,
): string {
  const d = (k: keyof CoreTimes) => Math.max(0, after[k] - before[k]);
  const others = Math.max(0, d('busyMs') - processMs);
  return `core ${cpu}: idle ${d('idleMs')} ms, irq ${d('irqMs')} ms, other processes ${others} ms, steal ${d('stealMs')} ms`;
}

/** The one CPU this process may run on, or null when it may run on several. */
function pinnedCore(): string | null {
  const list = allowedCpuList('self');
  return list !== null && /^\d+$/.test(list) ? list : null;
}

const sumOf = (m: ReadonlyMap<string, number>) => {
  let n = 0;
  for (const v of m.values()) n += v;
  return n;
};

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};

export function startStallLog(file: string, stallMs = 5): void {
  mkdirSync(dirname(file), { recursive: true });
  const msPerTick = 1000 / CLOCK_TICKS;
  const at = (t: number) => new Date(performance.timeOrigin + t).toISOString().slice(11, 23);
  let lines: string[] = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      // Node's GC entries carry their kind in `detail`, which the DOM-shaped type lacks.
      const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? -1;
      if (e.duration > 2)
        lines.push(`${at(e.startTime)} gc ${GC_KINDS[kind] ?? kind} ${e.duration.toFixed(1)} ms`);
    }
  }).observe({ entryTypes: ['gc'] });

  // Threads are read every 100 ms and at each stall: a stall's line gives each thread's CPU
  // since the reading before it, which the stalled loop could not have taken in between.
  const pinned = pinnedCore();
  const readCore = () => (pinned === null ? null : coreTimes(pinned));
  let threads = readThreads();
  let core = readCore();
  let readAt = performance.now();
  setInterval(() => {
    threads = readThreads();
    core = readCore();
    readAt = performance.now();
  }, 100).unref();

  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    const late = now - last - 1;
    // A gap of seconds is the bench pausing this process (SIGSTOP) while another proxy runs.
    if (late > stallMs && late < 1000) {
      let cpu = '';
      // Ticks are 10 ms: over less than two of them since the last reading, the counts say
      // nothing, so such a stall's line has no CPU figures.
      if (now - readAt >= 2 * msPerTick) {
        const current = readThreads();
        const currentCore = readCore();
        cpu = `; cpu over the last ${(now - readAt).toFixed(0)} ms: ${cpuBetween(threads, current, String(process.pid), msPerTick) || 'none'}`;
        if (pinned !== null && core && currentCore)
          cpu += `; ${coreBetween(pinned, core, currentCore, (sumOf(current) - sumOf(threads)) * msPerTick)}`;
        threads = current;
        core = currentCore;
        readAt = now;
      }
      lines.push(`${at(last)} stall ${late.toFixed(1)} ms${cpu}`);
    }
    last = now;
  }, 1).unref();

  const flush = () => {
    if (lines.length === 0) return;
    appendFileSync(file, `${lines.join('\n')}\n`);
    lines = [];
  };
  setInterval(flush, 1000).unref();
  process.on('exit', flush);
}
