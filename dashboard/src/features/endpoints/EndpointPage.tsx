import { Link, useLocation, useSearchParams } from 'react-router-dom';
import { RequestTable } from '../../components/RequestTable.js';
import { Async, EmptyState } from '../../components/States.js';
import { StatTile } from '../../components/StatTile.js';
import { StatusMix } from '../../components/StatusMix.js';
import { Panel } from '../../components/Panel.js';
import { LatencyChart } from '../../components/SeriesCharts.js';
import { PageHeader } from '../../components/Toolbar.js';
import { TopCustomers } from '../customers/TopCustomers.js';
import { useCustomerNames } from '../customers/useCustomerNames.js';
import { useViewControls } from '../../hooks/useViewControls.js';
import { formatCount, formatMs, formatPercent, formatRps } from '../../utils/format.js';
import { listHref, requestLogHref } from '../../utils/links.js';
import { useEndpointData } from './useEndpointData.js';

export function EndpointPage() {
  const [params] = useSearchParams();
  const method = params.get('method') ?? '';
  const route = params.get('route') ?? '';
  const view = useViewControls();
  const data = useEndpointData(method, route, view.window, view.live.tick);
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
        view={view}
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
            <LatencyChart series={d.series} />
            <div className="grid-2">
              <Panel title="Status mix">
                <StatusMix rows={d.mix} />
                {d.statuses.length > 0 ? (
                  <p className="muted small">
                    {d.statuses.map((s) => `${s.status}: ${formatCount(s.requests)}`).join(' · ')}
                  </p>
                ) : null}
              </Panel>
              <Panel title="Top customers">
                <TopCustomers
                  rows={d.topCustomers}
                  names={names}
                  search={search}
                  empty="No customers called this endpoint in this time range."
                />
              </Panel>
            </div>
            <Panel title="Slowest recent requests">
              <RequestTable
                events={d.slowest}
                caption="Slowest recent requests"
                empty="No requests in this time range."
              />
              <p>
                <Link to={requestLogHref(search, { route, method })}>
                  All requests to this endpoint →
                </Link>
              </p>
            </Panel>
          </>
        )}
      </Async>
    </>
  );
}
