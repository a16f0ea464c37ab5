import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cpuBetween } from './stall-log.js';

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

describe('startStallLog', () => {
  it('logs a blocked event loop with the main thread holding the core', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'stall-log-')), 'gw.log');
    const module = fileURLToPath(new URL('./stall-log.ts', import.meta.url));
    const script = `
      import { startStallLog } from ${JSON.stringify(module)};
      startStallLog(${JSON.stringify(file)});
      setTimeout(() => { const end = Date.now() + 80; while (Date.now() < end); }, 50);
      setTimeout(() => {}, 1500);
    `;
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        encoding: 'utf8',
      },
    );
    expect(r.stderr).toBe('');
    const log = readFileSync(file, 'utf8');
    const stall =
      /^\d\d:\d\d:\d\d\.\d{3} stall (\d+\.\d) ms; cpu over the last \d+ ms: main (\d+) ms/m.exec(
        log,
      );
    expect(Number(stall?.[1])).toBeGreaterThanOrEqual(70);
    // The busy loop is the main thread's: at least 70 of its 80 ms, in 10 ms ticks.
    expect(Number(stall?.[2])).toBeGreaterThanOrEqual(70);
  });
});
