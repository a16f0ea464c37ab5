import { describe, expect, it } from 'vitest';
import { statCpuTicks } from './processes.js';

describe('statCpuTicks', () => {
  it('adds user and system ticks, past a thread name holding spaces and parentheses', () => {
    const stat =
      '4242 (V8 (Worker) 1) S 4240 4240 1 0 -1 4194624 120 0 0 0 731 45 0 0 20 0 9 0 5000 1 1';
    expect(statCpuTicks(stat)).toBe(776);
  });
});
