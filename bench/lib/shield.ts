// Keeps the machine's other processes off the proxy core for the length of a run
// (BENCH_SHIELD=1): every user process that may run there is moved, all its threads, to the
// load core, and put back afterwards. The processes those services start meanwhile inherit the
// narrower set. On the 2026-11-27 host, unpinned services (a RabbitMQ whose tooling starts an
// Erlang VM every 60 s, Redis, Mosquitto, …) took up to ~95 ms of the proxy core within half a
// second, unseen by the per-round core meter (bench/FINDINGS.md). Kernel threads stay where
// they are: the per-CPU ones cannot move.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { allowedCpuList, statFields } from './processes.js';

/** CPUs of a `Cpus_allowed_list` value (`0-1,4`). */
export function parseCpuList(list: string): number[] {
  const out: number[] = [];
  for (const part of list.trim().split(',')) {
    if (!part) continue;
    const [a, b] = part.split('-').map(Number);
    for (let c = a!; c <= (b ?? a!); c++) out.push(c);
  }
  return out;
}

const PF_KTHREAD = 0x00200000;

/** The process's allowed CPUs, or null for a kernel thread or a process that is gone. */
function allowedCpus(pid: number): string | null {
  try {
    // The flags are field 9.
    const flags = Number(statFields(readFileSync(`/proc/${pid}/stat`, 'utf8'))[6]);
    if (flags & PF_KTHREAD) return null;
  } catch {
    return null;
  }
  return allowedCpuList(pid);
}

function setCpus(pid: number, cpus: string): boolean {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false; // gone, or not ours to move
  }
}

export interface Shield {
  /** Processes moved off the proxy core. */
  moved: number;
  /** Puts every moved process that is still alive back on its CPUs. */
  restore(): void;
}

/**
 * Moves the processes (`pids`, default every process, this one included) that may run on
 * `proxyCpu` to `loadCpu`. A process pinned to the proxy core alone stays: it was put there on
 * purpose, and is the bench's own proxy when the shield goes up between rounds.
 */
export function shieldCore(proxyCpu: string, loadCpu: string, pids?: number[]): Shield {
  const proxy = parseCpuList(proxyCpu);
  const all =
    pids ??
    readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map(Number);
  const moved = new Map<number, string>();
  for (const pid of all) {
    const cpus = allowedCpus(pid);
    if (cpus === null) continue;
    const list = parseCpuList(cpus);
    if (!list.some((c) => proxy.includes(c)) || list.every((c) => proxy.includes(c))) continue;
    if (setCpus(pid, loadCpu)) moved.set(pid, cpus);
  }
  return {
    moved: moved.size,
    restore() {
      for (const [pid, cpus] of moved) setCpus(pid, cpus);
      moved.clear();
    },
  };
}
