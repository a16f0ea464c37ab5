import { Link, useLocation, useSearchParams } from 'react-router-dom';
import { RequestTable } from '../../components/RequestTable.js';
import { Async, EmptyState } from '../../components/States.js';
import { StatTile } from '../../components/StatTile.js';
import { StatusMix } from '../../components/StatusMix.js';
import { TimeChart } from '../../components/TimeChart.js';
import { PageHeader } from '../../components/Toolbar.js';
import { config } from '../../config.js';
import { useAutoRefresh } from '../../hooks/useAutoRefresh.js';
import { useCustomerNames } from '../customers/useCustomerNames.js';
import { useTimeWindow } from '../../hooks/useTimeWindow.js';
import { formatCount, formatMs, formatPercent, formatRps } from '../../utils/format.js';
import { customerHref, listHref, requestLogHref } from '../../utils/links.js';
import { describeWindow } from '../../utils/timeRange.js';
import { useEndpointData } from './useEndpointData.js';

export function EndpointPage() {
  const [params] = useSearchParams();
  const method = params.get('method') ?? '';
  const route = params.get('route') ?? '';
  const { window, setWindow } = useTimeWindow();
  const live = useAutoRefresh(config.autoRefreshMs);
  const data = useEndpointData(method, route, window, live.tick);
  const { search } = useLocation();
  const names = useCustomerNames();

  if (!route) {
    return <EmptyState title="No endpoint selected.">Pick one from the Endpoints page.</EmptyState>;
  }

  return (
    <>
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link to={listHref('/endpoints', search)}>Endpoints</Link> /{' '}
        <span>
          {method} {route}
        </span>
      </nav>
      <PageHeader
        title={`${method} ${route}`}
        subtitle={describeWindow(window)}
        window={window}
        onWindow={setWindow}
        live={live.enabled}
        onLive={live.setEnabled}
        onRefresh={data.reload}
        loading={data.loading}
      />
      <Async {...data} onRetry={data.reload} minHeight={700}>
        {(d) => (
          <>
            <dl className="tiles" aria-label="Endpoint totals">
              <StatTile label="Requests" value={formatCount(d.totals.requests)} />
              <StatTile label="Requests / s" value={formatRps(d.totals.rps)} />
              <StatTile label="Error rate" value={formatPercent(d.totals.error_rate)} />
              <StatTile label="p50" value={formatMs(d.totals.p50_ms)} />
              <StatTile label="p95" value={formatMs(d.totals.p95_ms)} />
              <StatTile label="p99" value={formatMs(d.totals.p99_ms)} />
            </dl>
            <TimeChart
              title="Latency percentiles"
              timestamps={d.series.timestamps}
              series={[
                { label: 'p50', color: '#15803d', values: d.series.p50 },
                { label: 'p95', color: '#b45309', values: d.series.p95 },
                { label: 'p99', color: '#7e22ce', values: d.series.p99 },
              ]}
              height={240}
              formatValue={formatMs}
            />
            <div className="grid-2">
              <section className="panel" aria-labelledby="status-mix">
                <h2 id="status-mix">Status mix</h2>
                <StatusMix rows={d.mix} />
                {d.statuses.length > 0 ? (
                  <p className="muted small">
                    {d.statuses.map((s) => `${s.status}: ${formatCount(s.requests)}`).join(' · ')}
                  </p>
                ) : null}
              </section>
              <section className="panel" aria-labelledby="ep-customers">
                <h2 id="ep-customers">Top customers</h2>
                {d.topCustomers.length === 0 ? (
                  <p className="muted">No customers called this endpoint in this time range.</p>
                ) : (
                  <ol className="rank">
                    {d.topCustomers.map((c) => (
                      <li key={c.customer_id || '(anonymous)'}>
                        {c.customer_id ? (
                          <span>
                            <Link to={customerHref(c.customer_id, search)}>{c.customer_id}</Link>
                            {names.get(c.customer_id) ? (
                              <span className="muted small"> {names.get(c.customer_id)}</span>
                            ) : null}
                          </span>
                        ) : (
                          <span className="muted">(unauthenticated)</span>
                        )}
                        <span className="num">{formatCount(c.requests)}</span>
                      </li>
                    ))}
                  </ol>
                )}
              </section>
            </div>
            <section className="panel" aria-labelledby="slowest">
              <h2 id="slowest">Slowest recent requests</h2>
              {d.slowest.length === 0 ? (
                <p className="muted">No requests in this time range.</p>
              ) : (
                <RequestTable events={d.slowest} caption="Slowest recent requests" />
              )}
              <p>
                <Link to={requestLogHref(search, { route, method })}>
                  All requests to this endpoint →
                </Link>
              </p>
            </section>
          </>
        )}
      </Async>
    </>
  );
}
