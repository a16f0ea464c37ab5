import type { EndpointRow } from '@gatehouse/shared';
import { Link, useLocation, useParams } from 'react-router-dom';
import { KeyStateBadge } from '../../components/KeyStateBadge.js';
import { RequestTable } from '../../components/RequestTable.js';
import { type Column, DataTable } from '../../components/DataTable.js';
import { Panel } from '../../components/Panel.js';
import { EndpointLink } from '../../components/Refs.js';
import { RpsChart } from '../../components/SeriesCharts.js';
import { Async } from '../../components/States.js';
import { StatTile } from '../../components/StatTile.js';
import { TimeChart } from '../../components/TimeChart.js';
import { PageHeader } from '../../components/Toolbar.js';
import { useViewControls } from '../../hooks/useViewControls.js';
import { formatCount, formatDate, formatMs, formatPercent, formatRps } from '../../utils/format.js';
import { listHref, requestLogHref } from '../../utils/links.js';
import { describeWindow } from '../../utils/timeRange.js';
import { keyState, orderKeys } from '../keys/utils.js';
import { useCustomerData } from './useCustomerData.js';

export function CustomerPage() {
  const { customerId = '' } = useParams();
  const view = useViewControls();
  const { traffic, account } = useCustomerData(customerId, view.window, view.live.tick);
  const { search } = useLocation();
  const name = account.data?.customer?.name;

  return (
    <>
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link to={listHref('/customers', search)}>Customers</Link> / <span>{customerId}</span>
      </nav>
      <PageHeader
        title={name ? `${name}` : `Customer ${customerId}`}
        subtitle={
          <>
            <span className="mono">{customerId}</span>
            {account.data?.customer?.plan ? ` · plan ${account.data.customer.plan}` : ''} ·{' '}
            {describeWindow(view.window)}
          </>
        }
        view={view}
        onRefresh={() => {
          traffic.reload();
          account.reload();
        }}
        loading={traffic.loading}
      />
      <Async {...traffic} onRetry={traffic.reload} minHeight={600}>
        {(d) => (
          <>
            <dl className="tiles" aria-label="Customer totals">
              <StatTile label="Requests" value={formatCount(d.totals.requests)} />
              <StatTile label="Requests / s" value={formatRps(d.totals.rps)} />
              <StatTile
                label="Errors"
                value={formatCount(d.totals.errors)}
                hint={formatPercent(d.totals.error_rate)}
              />
              <StatTile label="Rate-limit hits" value={formatCount(d.totals.rate_limited)} />
              <StatTile label="p95" value={formatMs(d.totals.p95_ms)} />
            </dl>
            <div className="grid-2">
              <RpsChart series={d.series} />
              <TimeChart
                title="Errors per bucket"
                timestamps={d.series.timestamps}
                series={[{ label: 'errors', color: '#b91c1c', values: d.series.errors }]}
                formatValue={formatCount}
              />
            </div>
            <Panel title="Endpoints used">
              <DataTable
                caption="Endpoints used"
                columns={endpointColumns(search)}
                rows={d.endpoints}
                rowKey={(e) => `${e.method} ${e.route}`}
                empty="No requests in this time range."
              />
            </Panel>
            <Panel title="Recent requests">
              <RequestTable
                events={d.recent}
                caption="Recent requests"
                empty="No requests in this time range."
              />
              <p>
                <Link to={requestLogHref(search, { customer_id: customerId })}>
                  All requests of this customer →
                </Link>
              </p>
            </Panel>
          </>
        )}
      </Async>
      <Panel title="API keys">
        <Async {...account} onRetry={account.reload}>
          {(acc) =>
            acc.keys.length === 0 ? (
              <p className="muted">This customer has no keys.</p>
            ) : (
              <ul className="key-list">
                {orderKeys(acc.keys, Date.now()).map((k) => (
                  <li key={k.key_id}>
                    <code>{k.key_id}</code> {k.name ? <span>{k.name}</span> : null}{' '}
                    <KeyStateBadge state={keyState(k, Date.now())} />{' '}
                    <span className="muted small">created {formatDate(k.created_at)}</span>
                  </li>
                ))}
              </ul>
            )
          }
        </Async>
        <p>
          <Link to={`/keys?customer=${encodeURIComponent(customerId)}`}>
            Manage keys and plan →
          </Link>
        </p>
      </Panel>
    </>
  );
}

function endpointColumns(search: string): Column<EndpointRow>[] {
  return [
    {
      key: 'endpoint',
      label: 'Endpoint',
      render: (e) => <EndpointLink method={e.method} route={e.route} search={search} />,
    },
    { key: 'requests', label: 'Requests', numeric: true, render: (e) => formatCount(e.requests) },
    {
      key: 'error_rate',
      label: 'Error rate',
      numeric: true,
      render: (e) => formatPercent(e.error_rate),
    },
    { key: 'p95', label: 'p95', numeric: true, render: (e) => formatMs(e.p95_ms) },
  ];
}
