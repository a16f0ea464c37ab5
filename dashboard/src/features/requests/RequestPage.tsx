import type { RequestEvent } from '@gatehouse/shared';
import { Link, useLocation, useParams } from 'react-router-dom';
import { Async } from '../../components/States.js';
import { PageHeader } from '../../components/Toolbar.js';
import { formatBytes, formatMs, formatTime, statusClass } from '../../utils/format.js';
import { customerHref, endpointHref, listHref } from '../../utils/links.js';
import { useRequestEvent } from './useRequestEvent.js';

export function RequestPage() {
  const { requestId = '' } = useParams();
  const event = useRequestEvent(requestId);
  const { search } = useLocation();

  return (
    <>
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link to={listHref('/requests', search)}>Request log</Link> /{' '}
        <span className="mono">{requestId}</span>
      </nav>
      <PageHeader
        title="Request"
        subtitle={<span className="mono">{requestId}</span>}
        onRefresh={event.reload}
      />
      <Async {...event} onRetry={event.reload} minHeight={400}>
        {(e) => <EventDetails event={e} search={search} />}
      </Async>
    </>
  );
}

function EventDetails({ event: e, search }: { event: RequestEvent; search: string }) {
  return (
    <>
      <section className="panel" aria-labelledby="req-summary">
        <h2 id="req-summary">
          <span className="method">{e.method}</span> {e.path}{' '}
          <span className={`status status-${statusClass(e.status)}`}>{e.status}</span>
        </h2>
        <dl className="props">
          <dt>Time</dt>
          <dd>{formatTime(e.ts_ms)}</dd>
          <dt>Route</dt>
          <dd>
            {e.route ? (
              <Link to={endpointHref(e.method, e.route, search)}>{e.route}</Link>
            ) : (
              '(no route matched)'
            )}
          </dd>
          <dt>Customer</dt>
          <dd>
            {e.customer_id ? (
              <Link to={customerHref(e.customer_id, search)}>{e.customer_id}</Link>
            ) : (
              '–'
            )}
          </dd>
          <dt>Key</dt>
          <dd className="mono">{e.key_id || '–'}</dd>
          <dt>Auth</dt>
          <dd>{e.auth_method}</dd>
          <dt>Error code</dt>
          <dd className="mono">{e.error_code || '–'}</dd>
          <dt>Latency</dt>
          <dd>
            {formatMs(e.latency_ms)} total · {formatMs(e.upstream_latency_ms)} upstream
          </dd>
          <dt>Bytes</dt>
          <dd>
            {formatBytes(e.bytes_in)} in · {formatBytes(e.bytes_out)} out
          </dd>
          <dt>Rate-limited</dt>
          <dd>{e.rate_limited ? 'yes' : 'no'}</dd>
          <dt>Trace</dt>
          <dd className="mono">{e.trace_id || '–'}</dd>
          <dt>Client</dt>
          <dd>
            {e.client_ip} · {e.user_agent || '–'}
          </dd>
          <dt>Gateway</dt>
          <dd className="mono">{e.instance}</dd>
        </dl>
      </section>
      <section className="panel" aria-labelledby="req-raw">
        <h2 id="req-raw">Full event</h2>
        <pre className="raw">{JSON.stringify(e, null, 2)}</pre>
      </section>
    </>
  );
}
