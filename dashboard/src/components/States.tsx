import type { ReactNode } from 'react';
import type { AppError } from '../api/errors.js';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      {label}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <p className="state-title">{title}</p>
      {children ? <div className="state-body">{children}</div> : null}
    </div>
  );
}

export function ErrorState({ error, onRetry }: { error: AppError; onRetry?: () => void }) {
  return (
    <div className="state state-error" role="alert">
      <p className="state-title">Could not load this data</p>
      <p className="state-body">
        {error.message}
        {error.code ? <code className="err-code"> ({error.code})</code> : null}
        {error.requestId ? <span className="muted"> · request {error.requestId}</span> : null}
      </p>
      {onRetry ? (
        <button type="button" className="btn" onClick={onRetry}>
          Retry
        </button>
      ) : null}
    </div>
  );
}

/** What an operator's action (create, revoke, …) failed with, above the page. */
export function ActionFailed({ error }: { error: AppError | null }) {
  if (!error) return null;
  return (
    <div className="state state-error" role="alert">
      <p className="state-title">That did not work</p>
      <p className="state-body">
        {error.message}
        {error.code ? <code className="err-code"> ({error.code})</code> : null}
      </p>
    </div>
  );
}

/**
 * The loading / error / empty / data switch every panel needs. Keeps showing the last data
 * while a refresh runs, and reserves `minHeight` so panels don't jump.
 */
export function Async<T>(props: {
  data: T | undefined;
  error: AppError | undefined;
  loading: boolean;
  onRetry?: () => void;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  minHeight?: number;
  children: (data: T) => ReactNode;
}) {
  const { data, error, loading, onRetry, isEmpty, empty, minHeight, children } = props;
  let body: ReactNode;
  if (error && data === undefined)
    body = <ErrorState error={error} {...(onRetry ? { onRetry } : {})} />;
  else if (data === undefined) body = loading ? <Loading /> : null;
  else if (isEmpty?.(data)) body = empty ?? <EmptyState title="Nothing here yet." />;
  else body = children(data);
  return (
    <div className="async" style={minHeight ? { minHeight } : undefined} aria-busy={loading}>
      {error && data !== undefined ? (
        <p className="stale-warning" role="alert">
          Refresh failed: {error.message} Showing the last data.
        </p>
      ) : null}
      {body}
    </div>
  );
}
