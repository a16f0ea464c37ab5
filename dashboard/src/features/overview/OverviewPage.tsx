import { useLocation } from 'react-router-dom';
import { Panel } from '../../components/Panel.js';
import { RankList } from '../../components/RankList.js';
import { EndpointLink } from '../../components/Refs.js';
import { LatencyChart, RpsChart } from '../../components/SeriesCharts.js';
import { Async, EmptyState } from '../../components/States.js';
import { StatTile } from '../../components/StatTile.js';
import { TimeChart } from '../../components/TimeChart.js';
import { PageHeader } from '../../components/Toolbar.js';
import { useViewControls } from '../../hooks/useViewControls.js';
import { formatCount, formatMs, formatPercent, formatRps } from '../../utils/format.js';
import { TopCustomers } from '../customers/TopCustomers.js';
import { useCustomerNames } from '../customers/useCustomerNames.js';
import { useOverviewData } from './useOverviewData.js';

export function OverviewPage() {
  const view = useViewControls();
  const { main, alerts } = useOverviewData(view.window, view.live.tick);
  const { search } = useLocation();
  const names = useCustomerNames();

  return (
    <>
      <PageHeader title="Overview" view={view} onRefresh={main.reload} loading={main.loading} />
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
              <RpsChart series={d.series} />
              <TimeChart
                title="Error rate (%)"
                timestamps={d.series.timestamps}
                series={[{ label: 'errors %', color: '#b91c1c', values: d.series.errorRatePct }]}
                formatValue={(v) => `${v.toFixed(1)}%`}
              />
            </div>
            <LatencyChart series={d.series} />
            <div className="grid-3">
              <Panel title="Top endpoints">
                <RankList
                  items={d.topEndpoints}
                  itemKey={(e) => `${e.method} ${e.route}`}
                  label={(e) => <EndpointLink method={e.method} route={e.route} search={search} />}
                  count={(e) => e.requests}
                  empty="No endpoints yet."
                />
              </Panel>
              <Panel title="Top customers">
                <TopCustomers
                  rows={d.topCustomers}
                  names={names}
                  search={search}
                  empty="No customers yet."
                />
              </Panel>
              <Panel title="Top error codes">
                <RankList
                  items={d.topErrors}
                  itemKey={(e) => `${e.error_code}-${e.status}`}
                  label={(e) => (
                    <span>
                      <code>{e.error_code || '(none)'}</code>{' '}
                      <span className="muted">{e.status}</span>
                    </span>
                  )}
                  count={(e) => e.requests}
                  empty="No errors in this time range."
                />
              </Panel>
            </div>
          </>
        )}
      </Async>
      <Panel title="Firing alerts">
        <Async {...alerts} onRetry={alerts.reload}>
          {(firing) =>
            firing === null ? (
              <p className="muted">Alerting is not configured on this collector.</p>
            ) : firing.length === 0 ? (
              <p className="muted">No alerts firing.</p>
            ) : (
              <ul className="alert-list">
                {firing.map((a, i) => (
                  <li key={a.id ?? `${a.name}-${i}`} className="alert-item">
                    <strong>{a.name ?? a.rule ?? 'alert'}</strong>{' '}
                    {a.summary ? <span>{a.summary}</span> : null}
                  </li>
                ))}
              </ul>
            )
          }
        </Async>
      </Panel>
    </>
  );
}
