import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { allowedCpuList } from './processes.js';
import { parseCpuList, shieldCore } from './shield.js';

/**
 * Runs `check` on a child pinned to `cpus`, then stops it. Only such children are handed to the
 * shield: a test must not move the machine's processes.
 */
async function withPinnedChild(cpus: string, check: (pid: number) => void): Promise<void> {
  const child = spawn('taskset', ['-c', cpus, 'sleep', '30']);
  await new Promise((r) => setTimeout(r, 200));
  try {
    check(child.pid!);
  } finally {
    child.kill();
  }
}

describe('parseCpuList', () => {
  it('reads single CPUs and ranges', () => {
    expect(parseCpuList('0-2,5\n')).toEqual([0, 1, 2, 5]);
    expect(parseCpuList('1')).toEqual([1]);
  });
});

describe('shieldCore', () => {
  it('moves a process off the proxy core and puts it back', () =>
    withPinnedChild('0,1', (pid) => {
      expect(allowedCpuList(pid)).toBe('0-1');
      const shield = shieldCore('1', '0', [pid]);
      expect(shield.moved).toBe(1);
      expect(allowedCpuList(pid)).toBe('0');
      shield.restore();
      expect(allowedCpuList(pid)).toBe('0-1');
    }));

  it('leaves alone a process pinned to the proxy core: a proxy under test', () =>
    withPinnedChild('1', (pid) => {
      expect(shieldCore('1', '0', [pid]).moved).toBe(0);
      expect(allowedCpuList(pid)).toBe('1');
    }));

  it('leaves alone a process that cannot run on the proxy core', () =>
    withPinnedChild('0', (pid) => {
      expect(shieldCore('1', '0', [pid]).moved).toBe(0);
    }));
});
