import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { coreBetween, cpuBetween } from './stall-log.js';

describe('cpuBetween', () => {
  it('names the main thread, leaves idle threads out and puts the busiest first', () => {
    const before = new Map([
      ['100', 50],
      ['101', 7],
      ['102', 3],
    ]);
    const after = new Map([
      ['100', 53],
      ['101', 13],
      ['102', 3],
      ['103', 1],
    ]);
    expect(cpuBetween(before, after, '100', 10)).toBe('101 60 ms, main 30 ms, 103 10 ms');
  });
});

describe('coreBetween', () => {
  it("gives the core's idle, interrupt and steal time, and other processes' share of its busy time", () => {
    const before = { busyMs: 1000, idleMs: 500, irqMs: 40, stealMs: 0 };
    const after = { busyMs: 1090, idleMs: 520, irqMs: 50, stealMs: 10 };
    expect(coreBetween('1', before, after, 60)).toBe(
      'core 1: idle 20 ms, irq 10 ms, other processes 30 ms, steal 10 ms',
    );
    // Ticks of the process and of the core fall on different edges: never a negative share.
    expect(coreBetween('1', before, after, 100)).toContain('other processes 0 ms');
  });
});

/**
 * The stall log of a child process whose event loop is blocked for 80 ms of its own CPU time, 50 ms
 * after start (CPU, not wall time: on a busy machine 80 ms of wall time may hold far less CPU);
 * `prefix` runs it under another command (`taskset -c 0`).
 */
function blockedChildLog(prefix: string[] = []): string {
  const file = join(mkdtempSync(join(tmpdir(), 'stall-log-')), 'gw.log');
  const module = fileURLToPath(new URL('./stall-log.ts', import.meta.url));
  const script = `
    import { startStallLog } from ${JSON.stringify(module)};
    startStallLog(${JSON.stringify(file)});
    setTimeout(() => {
      const start = process.cpuUsage().user;
      while (process.cpuUsage().user - start < 80_000);
    }, 50);
    setTimeout(() => {}, 1500);
  `;
  const argv = [process.execPath, '--import', 'tsx', '--input-type=module', '-e', script];
  const all = [...prefix, ...argv];
  const r = spawnSync(all[0]!, all.slice(1), { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return readFileSync(file, 'utf8');
}

describe('startStallLog', () => {
  it('logs a blocked event loop with the main thread holding the core', () => {
    // The longest stall: on a busy machine sharing the core makes short stalls of its own.
    const stalls = [
      ...blockedChildLog().matchAll(
        /^\d\d:\d\d:\d\d\.\d{3} stall (\d+\.\d) ms; cpu over the last \d+ ms: main (\d+) ms/gm,
      ),
    ].map((m) => ({ ms: Number(m[1]), mainMs: Number(m[2]) }));
    const longest = stalls.sort((a, b) => b.ms - a.ms)[0];
    expect(longest?.ms).toBeGreaterThanOrEqual(70);
    // The busy loop is the main thread's: at least 70 of its 80 ms, in 10 ms ticks.
    expect(longest?.mainMs).toBeGreaterThanOrEqual(70);
  });

  it('says what the core did meanwhile when the process is pinned to one', () => {
    const line = blockedChildLog(['taskset', '-c', '0'])
      .split('\n')
      .find((l) => / stall \d+\.\d ms; cpu over the last \d+ ms: main/.test(l));
    expect(line).toMatch(
      /; core 0: idle \d+ ms, irq \d+ ms, other processes \d+ ms, steal \d+ ms$/,
    );
  });
});
