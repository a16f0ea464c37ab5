import { config } from '../config.js';
import type { TimeWindow } from '../utils/timeRange.js';
import { useAutoRefresh } from './useAutoRefresh.js';
import { useTimeWindow } from './useTimeWindow.js';

/** The time window and auto-refresh of an analytics page, both kept in the URL. */
export interface ViewControls {
  window: TimeWindow;
  setWindow(w: TimeWindow): void;
  live: ReturnType<typeof useAutoRefresh>;
}

export function useViewControls(): ViewControls {
  const { window, setWindow } = useTimeWindow();
  const live = useAutoRefresh(config.autoRefreshMs);
  return { window, setWindow, live };
}
