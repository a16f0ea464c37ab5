import { useId, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { RequestTable } from '../../components/RequestTable.js';
import { Async, EmptyState } from '../../components/States.js';
import { PageHeader } from '../../components/Toolbar.js';
import { config } from '../../config.js';
import { useQueryParam, useTimeWindow } from '../../hooks/useTimeWindow.js';
import { describeWindow } from '../../utils/timeRange.js';
import { useRequestLog } from './useRequestLog.js';
import { parseRequestFilters, REQUEST_FILTERS, type RequestFilterName } from './utils.js';

const LABELS: Record<RequestFilterName, string> = {
  request_id: 'Request id',
  customer_id: 'Customer',
  route: 'Route',
  method: 'Method',
  status: 'Status',
};

export function RequestLogPage() {
  const id = useId();
  const [params, setParams] = useSearchParams();
  const { window, setWindow } = useTimeWindow();
  const [tailParam, setTail] = useQueryParam('tail');
  const tail = tailParam === '1';
  const filters = parseRequestFilters(params);
  const log = useRequestLog(window, filters, tail, config.tailMs);
  const [draft, setDraft] = useState<Record<RequestFilterName, string>>(() => ({
    request_id: filters.request_id ?? '',
    customer_id: filters.customer_id ?? '',
    route: filters.route ?? '',
    method: filters.method ?? '',
    status: filters.status ?? '',
  }));

  return (
    <>
      <PageHeader
        title="Request log"
        subtitle={`${describeWindow(window)} · newest first`}
        window={window}
        onWindow={setWindow}
        onRefresh={log.reload}
        loading={log.loading}
      />
      <form
        className="filters"
        aria-label="Search requests"
        onSubmit={(e) => {
          e.preventDefault();
          setParams((prev) => {
            const next = new URLSearchParams(prev);
            for (const name of REQUEST_FILTERS) {
              const v = draft[name].trim();
              if (v) next.set(name, v);
              else next.delete(name);
            }
            return next;
          });
        }}
      >
        {REQUEST_FILTERS.map((name) => (
          <div className="field" key={name}>
            <label htmlFor={`${id}-${name}`}>{LABELS[name]}</label>
            <input
              id={`${id}-${name}`}
              name={name}
              value={draft[name]}
              inputMode={name === 'status' ? 'numeric' : undefined}
              placeholder={name === 'status' ? 'e.g. 429' : name === 'method' ? 'GET' : ''}
              onChange={(e) => setDraft((d) => ({ ...d, [name]: e.target.value }))}
            />
          </div>
        ))}
        <div className="field field-actions">
          <button type="submit" className="btn btn-primary">
            Search
          </button>
          <label className="toggle">
            <input
              type="checkbox"
              checked={tail}
              onChange={(e) => setTail(e.target.checked ? '1' : '')}
            />
            Live tail
          </label>
        </div>
      </form>
      <Async
        data={log.items}
        error={log.error}
        loading={log.loading}
        onRetry={log.reload}
        minHeight={300}
        isEmpty={(items) => items.length === 0}
        empty={
          <EmptyState title="No requests match.">
            Try a wider time range or fewer filters.
          </EmptyState>
        }
      >
        {(items) => (
          <>
            <p className="muted small" aria-live="polite">
              {items.length} request{items.length === 1 ? '' : 's'} shown
              {tail ? ' · tailing' : ''}
            </p>
            <RequestTable events={items} caption="Requests" />
            {log.hasMore ? (
              <button type="button" className="btn" onClick={log.loadMore} disabled={log.loading}>
                Load older requests
              </button>
            ) : null}
          </>
        )}
      </Async>
    </>
  );
}
