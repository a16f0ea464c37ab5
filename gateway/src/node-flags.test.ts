import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { GATEWAY_NODE_FLAGS, missingNodeFlags } from './node-flags.js';

describe('missingNodeFlags', () => {
  it('names every gateway flag a bare `node` lacks', () => {
    expect(missingNodeFlags([])).toEqual([...GATEWAY_NODE_FLAGS]);
    expect(missingNodeFlags(['--import', 'tsx'])).toEqual([...GATEWAY_NODE_FLAGS]);
  });

  it('accepts a flag given with another value or in V8 underscore spelling: the operator chose it', () => {
    expect(missingNodeFlags([...GATEWAY_NODE_FLAGS])).toEqual([]);
    expect(missingNodeFlags(['--heap-growing-percent=100'])).toEqual([]);
    expect(missingNodeFlags(['--heap_growing_percent=300'])).toEqual([]);
  });

  it('the flags are ones this node accepts (a typo would stop the image from starting)', () => {
    const r = spawnSync(process.execPath, [...GATEWAY_NODE_FLAGS, '-e', '0'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
