import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';
import { parseWindow, type TimeWindow, writeWindow } from '../utils/timeRange.js';

/** The page's time window, read from and written to the query string. */
export function useTimeWindow(): { window: TimeWindow; setWindow(w: TimeWindow): void } {
  const [params, setParams] = useSearchParams();
  const window = useMemo(() => parseWindow(params), [params]);
  const setWindow = useCallback(
    (w: TimeWindow) => setParams((prev) => writeWindow(prev, w)),
    [setParams],
  );
  return { window, setWindow };
}

/** One string filter in the query string (`''` removes it). */
export function useQueryParam(name: string): [string, (v: string) => void] {
  const [params, setParams] = useSearchParams();
  const value = params.get(name) ?? '';
  const set = useCallback(
    (v: string) =>
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          if (v === '') next.delete(name);
          else next.set(name, v);
          return next;
        },
        { replace: true },
      ),
    [name, setParams],
  );
  return [value, set];
}
