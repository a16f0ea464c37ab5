import type { RequestEvent } from '@gatehouse/shared';
import { Link, useLocation } from 'react-router-dom';
import { formatBytes, formatMs, formatTime, statusClass } from '../utils/format.js';
import { customerHref, requestHref } from '../utils/links.js';

/** Request events as a table; each row links to the full event. */
export function RequestTable({
  events,
  caption,
}: {
  events: readonly RequestEvent[];
  caption: string;
}) {
  const { search } = useLocation();
  return (
    <div className="table-wrap">
      <table className="table stack">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Request</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">
              Latency
            </th>
            <th scope="col">Customer</th>
            <th scope="col" className="num">
              Size
            </th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.request_id}>
              <td className="nowrap" data-label="Time">
                {formatTime(e.ts_ms)}
              </td>
              <td data-label="Request">
                <div>
                  <Link to={requestHref(e.request_id, search)} className="req-link">
                    <span className="method">{e.method}</span> {e.route || e.path}
                  </Link>
                  <div className="muted mono small">{e.request_id}</div>
                </div>
              </td>
              <td data-label="Status">
                <div>
                  <span className={`status status-${statusClass(e.status)}`}>{e.status}</span>
                  {e.error_code ? <div className="muted small mono">{e.error_code}</div> : null}
                </div>
              </td>
              <td className="num" data-label="Latency">
                {formatMs(e.latency_ms)}
              </td>
              <td data-label="Customer">
                {e.customer_id ? (
                  <Link to={customerHref(e.customer_id, search)}>{e.customer_id}</Link>
                ) : (
                  <span className="muted">–</span>
                )}
              </td>
              <td className="num" data-label="Size">
                {formatBytes(e.bytes_out)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
