import type { ReactNode } from 'react';
import type { TimeWindow } from '../utils/timeRange.js';
import { TimeRangePicker } from './TimeRangePicker.js';

/** Page heading plus the view controls every analytics page shares. */
export function PageHeader(props: {
  title: string;
  subtitle?: ReactNode;
  window?: TimeWindow;
  onWindow?(w: TimeWindow): void;
  live?: boolean;
  onLive?(on: boolean): void;
  onRefresh?(): void;
  loading?: boolean;
}) {
  const { title, subtitle, window, onWindow, live, onLive, onRefresh, loading } = props;
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
