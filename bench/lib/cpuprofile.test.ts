import { describe, expect, it } from 'vitest';
import { type CpuProfile, moduleOf, summarizeProfile } from './cpuprofile.js';

const frame = (functionName: string, url = '', lineNumber = 0) => ({
  functionName,
  url,
  lineNumber,
  columnNumber: 0,
});

describe('summarizeProfile', () => {
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)') },
      { id: 2, callFrame: frame('(idle)') },
      {
        id: 3,
        callFrame: frame('handle', 'file:///work/main/node_modules/express/lib/router.js', 9),
      },
      { id: 4, callFrame: frame('verify', 'file:///work/main/gateway/src/keys/key-cache.ts', 41) },
      { id: 5, callFrame: frame('(garbage collector)') },
      { id: 6, callFrame: frame('post', 'node:inspector', 110), children: [7] },
      { id: 7, callFrame: frame('dispatch') },
    ],
    samples: [2, 3, 3, 4, 5, 3, 7],
    timeDeltas: [4000, 1000, 1000, 1000, 1000, 1000, 2000],
  };
  const s = summarizeProfile(profile);

  it('attributes sample time to functions and excludes idle and the profiler from the shares', () => {
    expect(s.totalMs).toBe(11);
    expect(s.idleMs).toBe(4);
    expect(s.profilerMs).toBe(2);
    expect(s.byFunction[0]).toEqual({
      name: 'handle express/lib/router.js:10',
      selfMs: 3,
      percent: 60,
    });
  });
  it('charges a gateway function with the time of what it calls', () => {
    expect(s.gatewayInclusive).toEqual([
      { name: 'verify gateway/src/keys/key-cache.ts', selfMs: 1, percent: 20 },
    ]);
  });
  it('groups by package or source folder', () => {
    expect(s.byModule.map((r) => r.name)).toEqual([
      'express',
      'gateway/src/keys/key-cache.ts',
      '(garbage collector)',
    ]);
  });
});

describe('moduleOf', () => {
  it('names scoped packages with their scope', () => {
    expect(moduleOf('file:///x/node_modules/@opentelemetry/api/build/index.js')).toBe(
      '@opentelemetry/api',
    );
  });
  it('keeps node internals as they are', () => {
    expect(moduleOf('node:internal/http')).toBe('node:internal/http');
  });
});
