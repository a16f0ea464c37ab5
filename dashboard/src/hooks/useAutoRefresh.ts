import { useEffect, useState } from 'react';
import { useQueryParam } from './useTimeWindow.js';

/**
 * Auto-refresh lives in the URL (`live=1`) like every other view setting. `tick` changes every
 * `periodMs` while it is on; feature hooks put it in their load key.
 */
export function useAutoRefresh(periodMs: number): {
  enabled: boolean;
  setEnabled(on: boolean): void;
  tick: number;
} {
  const [live, setLive] = useQueryParam('live');
  const enabled = live === '1';
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!enabled) return;
    const id = setInterval(() => setTick((t) => t + 1), periodMs);
    return () => clearInterval(id);
  }, [enabled, periodMs]);
  return { enabled, setEnabled: (on) => setLive(on ? '1' : ''), tick };
}
