import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCpuList, shieldCore } from './shield.js';

const allowed = (pid: number) =>
  /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1];

describe('parseCpuList', () => {
  it('reads single CPUs and ranges', () => {
    expect(parseCpuList('0-2,5\n')).toEqual([0, 1, 2, 5]);
    expect(parseCpuList('1')).toEqual([1]);
  });
});

describe('shieldCore', () => {
  it('moves a process off the proxy core and puts it back', async () => {
    // Only this child is given: a test must not move the machine's processes.
    const child = spawn('taskset', ['-c', '0,1', 'sleep', '30']);
    await new Promise((r) => setTimeout(r, 200));
    const pid = child.pid!;
    try {
      expect(allowed(pid)).toBe('0-1');
      const shield = shieldCore('1', '0', [pid]);
      expect(shield.moved).toBe(1);
      expect(allowed(pid)).toBe('0');
      shield.restore();
      expect(allowed(pid)).toBe('0-1');
    } finally {
      child.kill();
    }
  });

  it('leaves alone a process pinned to the proxy core: a proxy under test', async () => {
    const child = spawn('taskset', ['-c', '1', 'sleep', '30']);
    await new Promise((r) => setTimeout(r, 200));
    try {
      expect(shieldCore('1', '0', [child.pid!]).moved).toBe(0);
      expect(allowed(child.pid!)).toBe('1');
    } finally {
      child.kill();
    }
  });

  it('leaves alone a process that cannot run on the proxy core', async () => {
    const child = spawn('taskset', ['-c', '0', 'sleep', '30']);
    await new Promise((r) => setTimeout(r, 200));
    try {
      expect(shieldCore('1', '0', [child.pid!]).moved).toBe(0);
    } finally {
      child.kill();
    }
  });
});
