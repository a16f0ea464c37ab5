// Instructions per request, counted by valgrind's callgrind: a figure that does not move with the
// machine's speed. On a shared VM whose speed drifts by 2× within minutes, req/s and CPU time
// per request cannot resolve a 5 % cost; the number of instructions a request executes can,
// because it is the same whatever else the host is doing.
//
// The process under test runs under `valgrind --tool=callgrind` with counting on; the bench
// resets the counters (`callgrind_control -z`) after a warm-up, sends exactly N requests and
// dumps them (`callgrind_control -d`), so a window holds the instructions of those N requests
// and of nothing else (no start-up, no handshakes). Every thread is counted: V8's compiler and
// GC helpers and libuv's pool as well as the event loop.
//
// What it does not count: the kernel (syscalls, TCP over loopback, the wait in epoll), and the
// cost of cache misses and branch mispredictions (an instruction is not a cycle). Costs taken
// from these counts are the share of user-space work; the kernel's part of a request is about
// the same with or without a policy, so a policy's share of all CPU is smaller than its share
// here (an upper bound).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/** The count loader (bench/load/count.ts) prints this before a batch's result. */
export const DONE_PREFIX = 'BENCH_DONE ';

/** Command prefix running a process under callgrind, dumps going to `outFile.N`. */
export function callgrindPrefix(outFile: string): string[] {
  return [
    'valgrind',
    '--tool=callgrind',
    `--callgrind-out-file=${outFile}`,
    // Totals only: no per-instruction or jump data, which makes it slower and the files large.
    '--dump-instr=no',
    '--collect-jumps=no',
    // V8 writes code at run time; valgrind must notice it everywhere, not only on the stack.
    '--smc-check=all',
    '--quiet',
  ];
}

/**
 * Node flags for a process counted under callgrind. V8's memory reducer starts a full GC when the
 * allocation rate *per second* drops, which is what a process slowed tens of times by valgrind
 * looks like: it fired every 10–20 s, a full GC (~200 M instructions of marking) plus the
 * re-optimisation of flushed code, in some windows and not others. Under real load it does not
 * fire, so it is off here; the GCs that allocation itself triggers still run and are counted.
 */
export const CALLGRIND_NODE_FLAGS = ['--no-memory-reducer'];

/** Why callgrind cannot be used here, or null when `valgrind` and `callgrind_control` run. */
export function callgrindMissing(): string | null {
  for (const tool of ['valgrind', 'callgrind_control']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'pipe' });
    } catch {
      return `${tool} not found (Debian: apt-get install valgrind)`;
    }
  }
  return null;
}

/** The instruction total (the first event, `Ir`) of one callgrind dump. */
export function parseCallgrindTotal(text: string): number {
  const events = /^events:\s*(.+)$/m.exec(text)?.[1]?.trim().split(/\s+/) ?? [];
  if (events[0] !== 'Ir')
    throw new Error(`callgrind dump without an Ir event (${events.join(' ')})`);
  const line = /^(?:totals|summary):\s*(\d+)/m.exec(text);
  if (!line) throw new Error('callgrind dump without totals');
  return Number(line[1]);
}

/**
 * Counts the instructions the process `pid` (started with `callgrindPrefix(outFile)`) executes
 * while `work` runs: counters reset before, dumped after. `dumpsSoFar` is how many dumps the
 * process has written before this call (dump k goes to `outFile.k`, 1-based).
 */
export async function countInstructions(
  pid: number,
  outFile: string,
  dumpsSoFar: number,
  work: () => Promise<void>,
): Promise<{ total: number; file: string }> {
  control(pid, '-z');
  await work();
  control(pid, '-d');
  const file = `${outFile}.${dumpsSoFar + 1}`;
  // callgrind_control returns once valgrind has acknowledged; the file is written by then, but a
  // slow disk gets a moment.
  for (let i = 0; i < 50 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
  return { total: parseCallgrindTotal(readFileSync(file, 'utf8')), file };
}

function control(pid: number, flag: '-z' | '-d'): void {
  execFileSync('callgrind_control', [flag, String(pid)], { stdio: 'pipe', timeout: 120_000 });
}
