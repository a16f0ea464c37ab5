import { describe, expect, it } from 'vitest';
import { nextState } from './state-machine.js';

const breach = { breach: true, recovered: false };
const between = { breach: false, recovered: false };
const clear = { breach: false, recovered: true };

describe('nextState', () => {
  it('fires at once without a for duration', () => {
    expect(nextState(undefined, breach, 0, 1000)).toMatchObject({
      state: 'firing',
      firing_since_ms: 1000,
      change: { from: 'ok', to: 'firing' },
    });
  });

  it('waits in pending for the for duration, then fires', () => {
    const p = nextState(undefined, breach, 60_000, 0);
    expect(p).toMatchObject({ state: 'pending', change: { to: 'pending' } });
    const still = nextState(p, breach, 60_000, 59_999);
    expect(still).toMatchObject({ state: 'pending', since_ms: 0 });
    expect(still.change).toBeUndefined();
    expect(nextState(still, breach, 60_000, 60_000)).toMatchObject({
      state: 'firing',
      change: { from: 'pending', to: 'firing' },
    });
  });

  it('drops pending back to ok as soon as the condition fails once', () => {
    const p = nextState(undefined, breach, 60_000, 0);
    expect(nextState(p, between, 60_000, 15_000)).toMatchObject({
      state: 'ok',
      change: { from: 'pending', to: 'ok' },
    });
  });

  it('keeps firing between the resolve threshold and the threshold (hysteresis)', () => {
    let s = nextState(undefined, breach, 0, 0);
    for (let i = 1; i <= 10; i++) {
      s = nextState(s, i % 2 ? between : breach, 0, i * 15_000);
      expect(s.state).toBe('firing');
      expect(s.change).toBeUndefined();
    }
    expect(nextState(s, clear, 0, 200_000)).toMatchObject({
      state: 'ok',
      change: { from: 'firing', to: 'resolved' },
    });
  });

  it('stays ok without a breach', () => {
    const s = nextState(undefined, clear, 0, 5);
    expect(s).toEqual({ state: 'ok', since_ms: 5, firing_since_ms: null });
  });
});
