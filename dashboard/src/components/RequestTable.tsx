import type { RequestEvent } from '@gatehouse/shared';
import type { ReactNode } from 'react';
import { Link, useLocation } from 'react-router-dom';
import { formatBytes, formatMs, formatTime, statusClass } from '../utils/format.js';
import { requestHref } from '../utils/links.js';
import { type Column, DataTable } from './DataTable.js';
import { CustomerRef } from './Refs.js';

/** Request events as a table; each row links to the full event. */
export function RequestTable({
  events,
  caption,
  empty,
}: {
  events: readonly RequestEvent[];
  caption: string;
  empty?: ReactNode;
}) {
  const { search } = useLocation();
  const columns: Column<RequestEvent>[] = [
    { key: 'time', label: 'Time', className: 'nowrap', render: (e) => formatTime(e.ts_ms) },
    {
      key: 'request',
      label: 'Request',
      render: (e) => (
        <div>
          <Link to={requestHref(e.request_id, search)} className="req-link">
            <span className="method">{e.method}</span> {e.route || e.path}
          </Link>
          <div className="muted mono small">{e.request_id}</div>
        </div>
      ),
    },
    {
      key: 'status',
      label: 'Status',
      render: (e) => (
        <div>
          <span className={`status status-${statusClass(e.status)}`}>{e.status}</span>
          {e.error_code ? <div className="muted small mono">{e.error_code}</div> : null}
        </div>
      ),
    },
    { key: 'latency', label: 'Latency', numeric: true, render: (e) => formatMs(e.latency_ms) },
    {
      key: 'customer',
      label: 'Customer',
      render: (e) =>
        e.customer_id ? (
          <CustomerRef id={e.customer_id} search={search} />
        ) : (
          <span className="muted">–</span>
        ),
    },
    { key: 'size', label: 'Size', numeric: true, render: (e) => formatBytes(e.bytes_out) },
  ];
  return (
    <DataTable
      caption={caption}
      columns={columns}
      rows={events}
      rowKey={(e) => e.request_id}
      {...(empty === undefined ? {} : { empty })}
    />
  );
}
