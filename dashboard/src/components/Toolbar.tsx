import type { ReactNode } from 'react';
import type { ViewControls } from '../hooks/useViewControls.js';
import { describeWindow, type TimeWindow } from '../utils/timeRange.js';
import { TimeRangePicker } from './TimeRangePicker.js';

/**
 * Page heading plus the view controls every analytics page shares. With `view`, the time
 * window and auto-refresh controls come from it, and the subtitle defaults to the window.
 */
export function PageHeader(props: {
  title: string;
  subtitle?: ReactNode;
  view?: ViewControls;
  window?: TimeWindow;
  onWindow?(w: TimeWindow): void;
  live?: boolean;
  onLive?(on: boolean): void;
  onRefresh?(): void;
  loading?: boolean;
}) {
  const { title, view, onRefresh, loading } = props;
  const window = view?.window ?? props.window;
  const onWindow = view?.setWindow ?? props.onWindow;
  const live = view ? view.live.enabled : props.live;
  const onLive = view?.live.setEnabled ?? props.onLive;
  const subtitle = props.subtitle ?? (view ? describeWindow(view.window) : undefined);
  return (
    <header className="page-header">
      <div className="page-title">
        <h1>{title}</h1>
        {subtitle ? <p className="muted">{subtitle}</p> : null}
      </div>
      <div className="toolbar">
        {window && onWindow ? <TimeRangePicker value={window} onChange={onWindow} /> : null}
        {onLive ? (
          <label className="toggle">
            <input
              type="checkbox"
              checked={live === true}
              onChange={(e) => onLive(e.target.checked)}
            />
            Auto-refresh
          </label>
        ) : null}
        {onRefresh ? (
          <button type="button" className="btn" onClick={onRefresh} aria-busy={loading}>
            {loading ? 'Refreshing…' : 'Refresh'}
          </button>
        ) : null}
      </div>
    </header>
  );
}
