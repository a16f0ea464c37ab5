import { Link, useLocation } from 'react-router-dom';
import { EmptyState, ErrorState, Async } from '../../components/States.js';
import { StatTile } from '../../components/StatTile.js';
import { TimeChart } from '../../components/TimeChart.js';
import { PageHeader } from '../../components/Toolbar.js';
import { config } from '../../config.js';
import { useAutoRefresh } from '../../hooks/useAutoRefresh.js';
import { useCustomerNames } from '../customers/useCustomerNames.js';
import { useTimeWindow } from '../../hooks/useTimeWindow.js';
import { formatCount, formatMs, formatPercent, formatRps } from '../../utils/format.js';
import { customerHref, endpointHref } from '../../utils/links.js';
import { describeWindow } from '../../utils/timeRange.js';
import { useOverviewData } from './useOverviewData.js';

export function OverviewPage() {
  const { window, setWindow } = useTimeWindow();
  const live = useAutoRefresh(config.autoRefreshMs);
  const { main, alerts } = useOverviewData(window, live.tick);
  const { search } = useLocation();
  const names = useCustomerNames();

  return (
    <>
      <PageHeader
        title="Overview"
        subtitle={describeWindow(window)}
        window={window}
        onWindow={setWindow}
        live={live.enabled}
        onLive={live.setEnabled}
        onRefresh={main.reload}
        loading={main.loading}
      />
      <Async {...main} onRetry={main.reload} minHeight={600}>
        {(d) => (
          <>
            <dl className="tiles" aria-label="Totals">
              <StatTile label="Requests" value={formatCount(d.overview.requests)} />
              <StatTile label="Requests / s" value={formatRps(d.overview.rps)} />
              <StatTile
                label="Error rate"
                value={formatPercent(d.overview.error_rate)}
                hint={`${formatCount(d.overview.errors)} errors`}
              />
              <StatTile label="p50" value={formatMs(d.overview.p50_ms)} />
              <StatTile label="p95" value={formatMs(d.overview.p95_ms)} />
              <StatTile label="p99" value={formatMs(d.overview.p99_ms)} />
              <StatTile label="Rate-limited" value={formatCount(d.overview.rate_limited)} />
            </dl>
            {d.overview.requests === 0 ? (
              <EmptyState title="No traffic in this time range.">
                Send requests through the gateway (or widen the time range); they show up here
                within a few seconds.
              </EmptyState>
            ) : null}
            <div className="grid-2">
              <TimeChart
                title="Requests per second"
                timestamps={d.series.timestamps}
                series={[{ label: 'req/s', color: '#1d4ed8', values: d.series.rps }]}
                formatValue={formatRps}
              />
              <TimeChart
                title="Error rate (%)"
                timestamps={d.series.timestamps}
                series={[{ label: 'errors %', color: '#b91c1c', values: d.series.errorRatePct }]}
                formatValue={(v) => `${v.toFixed(1)}%`}
              />
            </div>
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
            <div className="grid-3">
              <section className="panel" aria-labelledby="top-endpoints">
                <h2 id="top-endpoints">Top endpoints</h2>
                {d.topEndpoints.length === 0 ? (
                  <p className="muted">No endpoints yet.</p>
                ) : (
                  <ol className="rank">
                    {d.topEndpoints.map((e) => (
                      <li key={`${e.method} ${e.route}`}>
                        <Link to={endpointHref(e.method, e.route, search)}>
                          <span className="method">{e.method}</span> {e.route || '(no route)'}
                        </Link>
                        <span className="num">{formatCount(e.requests)}</span>
                      </li>
                    ))}
                  </ol>
                )}
              </section>
              <section className="panel" aria-labelledby="top-customers">
                <h2 id="top-customers">Top customers</h2>
                {d.topCustomers.length === 0 ? (
                  <p className="muted">No customers yet.</p>
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
              <section className="panel" aria-labelledby="top-errors">
                <h2 id="top-errors">Top error codes</h2>
                {d.topErrors.length === 0 ? (
                  <p className="muted">No errors in this time range.</p>
                ) : (
                  <ol className="rank">
                    {d.topErrors.map((e) => (
                      <li key={`${e.error_code}-${e.status}`}>
                        <span>
                          <code>{e.error_code || '(none)'}</code>{' '}
                          <span className="muted">{e.status}</span>
                        </span>
                        <span className="num">{formatCount(e.requests)}</span>
                      </li>
                    ))}
                  </ol>
                )}
              </section>
            </div>
          </>
        )}
      </Async>
      <section className="panel" aria-labelledby="firing-alerts">
        <h2 id="firing-alerts">Firing alerts</h2>
        {alerts.error ? (
          <ErrorState error={alerts.error} onRetry={alerts.reload} />
        ) : alerts.data === undefined ? (
          <p className="muted">Loading…</p>
        ) : alerts.data === null ? (
          <p className="muted">Alerting is not configured on this collector.</p>
        ) : alerts.data.length === 0 ? (
          <p className="muted">No alerts firing.</p>
        ) : (
          <ul className="alert-list">
            {alerts.data.map((a, i) => (
              <li key={a.id ?? `${a.name}-${i}`} className="alert-item">
                <strong>{a.name ?? a.rule ?? 'alert'}</strong>{' '}
                {a.summary ? <span>{a.summary}</span> : null}
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
