/**
 * The alert lifecycle, as a pure function: ok → pending → firing → (resolved) ok.
 * - pending needs the condition on every evaluation (like Prometheus' `for`): one good
 *   evaluation sends it back to ok, so a rate bouncing around the threshold never fires.
 * - firing ends only on recovery, a separate, lower bar (hysteresis): a rate hovering just
 *   under the threshold keeps the alert firing instead of resolving and re-firing.
 */
import type { AlertState } from './rule-schema.js';

export interface Condition {
  /** The firing condition holds now (enough requests and beyond the threshold). */
  breach: boolean;
  /** The resolve condition holds now (at or below the resolve threshold, or too few requests). */
  recovered: boolean;
}

export interface Current {
  state: AlertState;
  since_ms: number;
  firing_since_ms: number | null;
}

export interface Next extends Current {
  change?: { from: AlertState; to: AlertState | 'resolved' };
}

export function nextState(
  prev: Current | undefined,
  c: Condition,
  forMs: number,
  nowMs: number,
): Next {
  // Only the three fields carry over: a `change` of the previous step is not a change now.
  const cur: Current = prev
    ? { state: prev.state, since_ms: prev.since_ms, firing_since_ms: prev.firing_since_ms }
    : { state: 'ok', since_ms: nowMs, firing_since_ms: null };
  switch (cur.state) {
    case 'ok':
      if (!c.breach) return cur;
      if (forMs <= 0)
        return {
          state: 'firing',
          since_ms: nowMs,
          firing_since_ms: nowMs,
          change: { from: 'ok', to: 'firing' },
        };
      return {
        state: 'pending',
        since_ms: nowMs,
        firing_since_ms: null,
        change: { from: 'ok', to: 'pending' },
      };
    case 'pending':
      if (!c.breach)
        return {
          state: 'ok',
          since_ms: nowMs,
          firing_since_ms: null,
          change: { from: 'pending', to: 'ok' },
        };
      if (nowMs - cur.since_ms >= forMs)
        return {
          state: 'firing',
          since_ms: nowMs,
          firing_since_ms: nowMs,
          change: { from: 'pending', to: 'firing' },
        };
      return cur;
    case 'firing':
      if (!c.recovered) return cur;
      return {
        state: 'ok',
        since_ms: nowMs,
        firing_since_ms: null,
        change: { from: 'firing', to: 'resolved' },
      };
  }
}
