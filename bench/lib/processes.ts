// Starts benchmark servers as separate processes pinned to a core, and stops them cleanly.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Children print this prefix followed by one JSON object when they are listening. */
export const READY_PREFIX = 'BENCH_READY ';

export interface PinnedProcess {
  name: string;
  pid: number;
  info: Record<string, unknown>;
  /** Everything the child wrote, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

export interface SpawnPinnedOptions {
  name: string;
  cpu: string;
  /** argv after `sh -c 'ulimit …; exec taskset -c CPU'`, e.g. ['node', 'x.js']. */
  command: string[];
  env?: Record<string, string | undefined>;
  /** Wait for a `BENCH_READY {json}` line; otherwise resolve once spawned. */
  waitReady?: boolean;
  readyTimeoutMs?: number;
  nofile?: number;
}

let outputDir: string | undefined;
/**
 * Also append every process's stdout and stderr to `<dir>/<name>.log` (BENCH_PROCESS_OUTPUT):
 * whole, where `output()` keeps only a tail, e.g. for V8's `--trace-gc-nvp` lines.
 */
export function keepProcessOutput(dir: string): void {
  mkdirSync(dir, { recursive: true });
  outputDir = dir;
}

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Children still running. If the bench exits before stopping one (Ctrl-C in the middle of a
 * fixed-rate round, whose loader is waited for, not yet listed for `stopAll`), it is killed
 * rather than left loading the machine.
 */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export function spawnPinned(o: SpawnPinnedOptions): Promise<PinnedProcess> {
  const nofile = o.nofile ?? 20000;
  // exec keeps one pid: sh → taskset → the server, so `pid` is the server's own pid.
  const script = `ulimit -n ${nofile} 2>/dev/null || true; exec taskset -c ${o.cpu} ${o.command.map(shq).join(' ')}`;
  const child: ChildProcess = spawn('sh', ['-c', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...o.env },
  });
  live.add(child);
  let out = '';
  let exited = false;
  const exitedP = new Promise<void>((resolve) => {
    child.on('exit', () => {
      exited = true;
      live.delete(child);
      resolve();
    });
  });
  const stop = async () => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exitedP;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    const make = (info: Record<string, unknown>): PinnedProcess => ({
      name: o.name,
      pid: child.pid!,
      info,
      output: () => out,
      stop,
    });
    const timer = setTimeout(() => {
      void stop();
      reject(
        new Error(`${o.name} not ready within ${o.readyTimeoutMs ?? 60_000} ms:\n${tail(out)}`),
      );
    }, o.readyTimeoutMs ?? 60_000);
    let settled = false;
    const onData = (d: Buffer) => {
      if (outputDir)
        appendFileSync(join(outputDir, `${o.name.replace(/[^a-z0-9@-]/gi, '_')}.log`), d);
      out += d.toString();
      if (out.length > 200_000) out = out.slice(-100_000);
      if (settled || !o.waitReady) return;
      const line = out.split('\n').find((l) => l.startsWith(READY_PREFIX));
      if (line) {
        settled = true;
        clearTimeout(timer);
        resolve(make(JSON.parse(line.slice(READY_PREFIX.length)) as Record<string, unknown>));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('exit', (code, signal) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(new Error(`${o.name} exited (${code ?? signal}) before ready:\n${tail(out)}`));
      }
    });
    if (!o.waitReady) {
      child.on('spawn', () => {
        settled = true;
        clearTimeout(timer);
        resolve(make({}));
      });
    }
  });
}

function tail(s: string): string {
  return s.split('\n').slice(-30).join('\n');
}

/** Path of a file in bench/ (this module lives in bench/lib). */
export function benchPath(rel: string): string {
  return fileURLToPath(new URL(`../${rel}`, import.meta.url));
}

/** Node command running a TypeScript entry through tsx, with extra node flags first. */
export function nodeTs(entry: string, args: string[] = [], nodeFlags: string[] = []): string[] {
  return [process.execPath, ...nodeFlags, '--import', 'tsx', entry, ...args];
}

/** Resident set size in bytes from /proc, or null when the process is gone. */
export function rssBytes(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * CPU clock ticks (user + system) from a `/proc/<pid>/stat` or `/proc/<pid>/task/<tid>/stat`
 * line; one tick is `1000 / CLOCK_TICKS` ms.
 */
export function statCpuTicks(stat: string): number {
  // utime and stime are fields 14 and 15.
  const fields = statFields(stat);
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * The fields of a `/proc/<pid>/stat` line after the command name (which may hold spaces and
 * parentheses): index 0 is the state (field 3 in proc(5)), so field n is index n − 3.
 */
export function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** A process's `Cpus_allowed_list` (`0-1`), or null when it is gone. */
export function allowedCpuList(pid: number | 'self'): string | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return /^Cpus_allowed_list:\s*(\S+)\s*$/m.exec(status)?.[1] ?? null;
  } catch {
    return null;
  }
}

/**
 * Page faults (minor + major) from a `/proc/<pid>/stat` line. A minor fault is a page touched
 * for the first time since it was mapped: on a VM with shadow page tables each one is a trip
 * through the hypervisor.
 */
export function statPageFaults(stat: string): number {
  // minflt and majflt are fields 10 and 12.
  const fields = statFields(stat);
  return Number(fields[7]) + Number(fields[9]);
}

function pageFaults(pid: number): number | null {
  try {
    return statPageFaults(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** User + system CPU ms of a process and its children (from /proc; null when it is gone). */
export function treeCpuMs(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  let total = (statCpuTicks(stat) * 1000) / CLOCK_TICKS;
  for (const c of childPids(pid)) total += treeCpuMs(c) ?? 0;
  return total;
}

/**
 * What one CPU has done since boot, from /proc/stat (null when `cpu` is not a single CPU number):
 * `busyMs` is time in processes (user + nice + system, not interrupts), `idleMs` idle (iowait
 * included), `irqMs` interrupts and softirqs (loopback TCP's receive work lands there), `stealMs`
 * the time the hypervisor gave this virtual CPU's slot to someone else (0 on hosts that do not
 * report it: there a vCPU held off by the host shows as idle).
 */
export function coreTimes(cpu: string): CoreTimes | null {
  if (!/^\d+$/.test(cpu)) return null;
  try {
    return parseCoreTimes(readFileSync('/proc/stat', 'utf8'), cpu);
  } catch {
    return null;
  }
}

export interface CoreTimes {
  busyMs: number;
  idleMs: number;
  irqMs: number;
  stealMs: number;
}

/** `coreTimes` from the text of /proc/stat. */
export function parseCoreTimes(stat: string, cpu: string): CoreTimes | null {
  const line = new RegExp(`^cpu${cpu} (.*)$`, 'm').exec(stat);
  if (!line) return null;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line[1]!
    .trim()
    .split(/\s+/)
    .map(Number);
  const ms = (ticks: number | undefined) => ((ticks ?? 0) * 1000) / CLOCK_TICKS;
  return {
    busyMs: ms(user) + ms(nice) + ms(system),
    idleMs: ms(idle) + ms(iowait),
    irqMs: ms(irq) + ms(softirq),
    stealMs: ms(steal),
  };
}

export interface CoreMeterReading {
  /** CPU the process tree used, ms (null when it is gone or unknown). */
  cpuMs: number | null;
  /** Page faults of the process itself (not its children) meanwhile. */
  pageFaults?: number;
  /** Other processes' and the hypervisor's share of the core, % of wall time (see RoundSample). */
  otherPct?: number;
  stealPct?: number;
}

/**
 * Starts measuring a process pinned to `cpu`: the returned function reads how much CPU it used
 * since, and how much of its core went to other processes or was stolen. Since the process is
 * pinned there, the core's busy time beyond its own is someone else's (10 ms tick resolution).
 */
export function startCoreMeter(cpu: string, pid: number | undefined): () => CoreMeterReading {
  const coreBefore = coreTimes(cpu);
  const cpuBefore = pid ? treeCpuMs(pid) : null;
  const faultsBefore = pid ? pageFaults(pid) : null;
  const startedAt = performance.now();
  return () => {
    const cpuAfter = pid ? treeCpuMs(pid) : null;
    const faultsAfter = pid ? pageFaults(pid) : null;
    const faults =
      faultsBefore != null && faultsAfter != null ? { pageFaults: faultsAfter - faultsBefore } : {};
    const coreAfter = coreTimes(cpu);
    const wallMs = performance.now() - startedAt;
    const cpuMs = cpuBefore != null && cpuAfter != null ? cpuAfter - cpuBefore : null;
    if (!coreBefore || !coreAfter || cpuMs == null || wallMs <= 0) return { cpuMs, ...faults };
    const other = coreAfter.busyMs - coreBefore.busyMs - cpuMs;
    return {
      cpuMs,
      ...faults,
      otherPct: (Math.max(0, other) / wallMs) * 100,
      stealPct: ((coreAfter.stealMs - coreBefore.stealMs) / wallMs) * 100,
    };
  };
}

/** USER_HZ: 100 on every Linux the bench runs on (getconf CLK_TCK). */
export const CLOCK_TICKS = 100;

/** Sum of RSS of a process and its descendants (a gateway may fork workers). */
export function treeRssBytes(pid: number): number | null {
  const own = rssBytes(pid);
  if (own == null) return null;
  let total = own;
  for (const c of childPids(pid)) total += treeRssBytes(c) ?? 0;
  return total;
}

/**
 * Moves a process and its descendants (every thread) to the idle CPU class (`chrt --idle`):
 * they then run only when nothing else wants their core. Returns false when chrt is missing or
 * refused.
 */
export function setIdlePriority(pid: number): boolean {
  let ok = true;
  const visit = (p: number) => {
    try {
      execFileSync('chrt', ['--idle', '-a', '-p', '0', String(p)], { stdio: 'ignore' });
    } catch {
      ok = false;
    }
    for (const c of childPids(p)) visit(c);
  };
  visit(pid);
  return ok;
}

/** Sends a signal to a process and its descendants (e.g. SIGSTOP/SIGCONT an nginx and its worker). */
export function signalTree(pid: number, signal: NodeJS.Signals): void {
  const children = childPids(pid);
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
  for (const c of children) signalTree(c, signal);
}

function childPids(pid: number): number[] {
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return text ? text.split(/\s+/).map(Number) : [];
  } catch {
    return [];
  }
}
