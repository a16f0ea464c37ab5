import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  keepProcessOutput,
  parseCoreTimes,
  spawnPinned,
  statCpuTicks,
  statPageFaults,
} from './processes.js';

describe('statCpuTicks', () => {
  it('adds user and system ticks, past a thread name holding spaces and parentheses', () => {
    const stat =
      '4242 (V8 (Worker) 1) S 4240 4240 1 0 -1 4194624 120 0 0 0 731 45 0 0 20 0 9 0 5000 1 1';
    expect(statCpuTicks(stat)).toBe(776);
  });
});

describe('statPageFaults', () => {
  it('adds minor and major faults, past a command name holding spaces and parentheses', () => {
    const stat =
      '4242 (node (gw) x) R 4240 4240 1 0 -1 4194624 120 7 3 0 731 45 0 0 20 0 9 0 5000 1 1';
    expect(statPageFaults(stat)).toBe(123);
  });

  it('counts the faults of pages a process touches for the first time', () => {
    const own = () => statPageFaults(readFileSync('/proc/self/stat', 'utf8'));
    const before = own();
    // 8 MiB of fresh memory written once: a fault per 4 KiB page (2,048), or with transparent
    // huge pages one per 2 MiB (4).
    Buffer.alloc(8 * 1024 * 1024, 1);
    expect(own() - before).toBeGreaterThanOrEqual(4);
  });
});

describe('keepProcessOutput', () => {
  it("writes a process's whole stdout and stderr to a file named after it", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'bench-output-')), 'output');
    keepProcessOutput(dir);
    const script =
      "process.stdout.write('x'.repeat(300000) + '\\nout-end\\n'); process.stderr.write('err-line\\n'); process.stdout.write('BENCH_READY {}\\n'); setTimeout(() => {}, 60000);";
    const p = await spawnPinned({
      name: 'fixed-rate gw@base',
      cpu: '0',
      command: [process.execPath, '-e', script],
      waitReady: true,
    });
    await p.stop();
    const text = readFileSync(join(dir, 'fixed-rate_gw@base.log'), 'utf8');
    expect(text.length).toBeGreaterThan(300_000);
    expect(text).toContain('out-end\n');
    expect(text).toContain('err-line\n');
    // output() keeps a tail only; the file keeps all of it.
    expect(p.output().length).toBeLessThan(text.length);
  });
});

describe('spawnPinned', () => {
  it('kills the children still running when the bench exits without stopping them', async () => {
    // A bench stand-in: starts a long child, prints its pid, and exits as Ctrl-C's handler does.
    const module = fileURLToPath(new URL('./processes.ts', import.meta.url));
    const script = `
      import { spawnPinned } from ${JSON.stringify(module)};
      const p = await spawnPinned({ name: 'loader', cpu: '0', command: ['sleep', '60'] });
      console.log(p.pid);
      process.exit(130);
    `;
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(130);
    const pid = Number(r.stdout.trim());
    expect(pid).toBeGreaterThan(0);
    // Killed: gone, or a zombie where this machine's init does not reap orphans.
    const running = () => {
      try {
        return /\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1] !== 'Z';
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 50 && running(); i++) await new Promise((done) => setTimeout(done, 20));
    expect(running()).toBe(false);
  });
});

describe('parseCoreTimes', () => {
  it("reads one CPU's line of /proc/stat into ms of busy, idle, interrupt and steal time", () => {
    const stat = [
      'cpu  142924 0 63969 351152 3371 0 30462 0 0 0',
      'cpu0 74100 0 39387 167986 1217 0 12547 0 0 0',
      'cpu1 68824 5 24582 183165 2154 7 17915 3 0 0',
      'intr 1 2 3',
    ].join('\n');
    expect(parseCoreTimes(stat, '1')).toEqual({
      busyMs: (68824 + 5 + 24582) * 10,
      idleMs: (183165 + 2154) * 10,
      irqMs: (7 + 17915) * 10,
      stealMs: 30,
    });
    expect(parseCoreTimes(stat, '2')).toBeNull();
  });
});
