import { Link, useLocation, useParams } from 'react-router-dom';
import { KeyStateBadge } from '../../components/KeyStateBadge.js';
import { RequestTable } from '../../components/RequestTable.js';
import { Async, ErrorState } from '../../components/States.js';
import { StatTile } from '../../components/StatTile.js';
import { TimeChart } from '../../components/TimeChart.js';
import { PageHeader } from '../../components/Toolbar.js';
import { config } from '../../config.js';
import { useAutoRefresh } from '../../hooks/useAutoRefresh.js';
import { useTimeWindow } from '../../hooks/useTimeWindow.js';
import { formatCount, formatDate, formatMs, formatPercent, formatRps } from '../../utils/format.js';
import { endpointHref, listHref, requestLogHref } from '../../utils/links.js';
import { describeWindow } from '../../utils/timeRange.js';
import { keyState, orderKeys } from '../keys/utils.js';
import { useCustomerData } from './useCustomerData.js';

export function CustomerPage() {
  const { customerId = '' } = useParams();
  const { window, setWindow } = useTimeWindow();
  const live = useAutoRefresh(config.autoRefreshMs);
  const { traffic, account } = useCustomerData(customerId, window, live.tick);
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
            {describeWindow(window)}
          </>
        }
        window={window}
        onWindow={setWindow}
        live={live.enabled}
        onLive={live.setEnabled}
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
              <TimeChart
                title="Requests per second"
                timestamps={d.series.timestamps}
                series={[{ label: 'req/s', color: '#1d4ed8', values: d.series.rps }]}
                formatValue={formatRps}
              />
              <TimeChart
                title="Errors per bucket"
                timestamps={d.series.timestamps}
                series={[{ label: 'errors', color: '#b91c1c', values: d.series.errors }]}
                formatValue={formatCount}
              />
            </div>
            <section className="panel" aria-labelledby="cust-endpoints">
              <h2 id="cust-endpoints">Endpoints used</h2>
              {d.endpoints.length === 0 ? (
                <p className="muted">No requests in this time range.</p>
              ) : (
                <div className="table-wrap">
                  <table className="table">
                    <caption className="sr-only">Endpoints used</caption>
                    <thead>
                      <tr>
                        <th scope="col">Endpoint</th>
                        <th scope="col" className="num">
                          Requests
                        </th>
                        <th scope="col" className="num">
                          Error rate
                        </th>
                        <th scope="col" className="num">
                          p95
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {d.endpoints.map((e) => (
                        <tr key={`${e.method} ${e.route}`}>
                          <td>
                            <Link to={endpointHref(e.method, e.route, search)}>
                              <span className="method">{e.method}</span> {e.route || '(no route)'}
                            </Link>
                          </td>
                          <td className="num">{formatCount(e.requests)}</td>
                          <td className="num">{formatPercent(e.error_rate)}</td>
                          <td className="num">{formatMs(e.p95_ms)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </section>
            <section className="panel" aria-labelledby="cust-recent">
              <h2 id="cust-recent">Recent requests</h2>
              {d.recent.length === 0 ? (
                <p className="muted">No requests in this time range.</p>
              ) : (
                <RequestTable events={d.recent} caption="Recent requests" />
              )}
              <p>
                <Link to={requestLogHref(search, { customer_id: customerId })}>
                  All requests of this customer →
                </Link>
              </p>
            </section>
          </>
        )}
      </Async>
      <section className="panel" aria-labelledby="cust-keys">
        <h2 id="cust-keys">API keys</h2>
        {account.error && !account.data ? (
          <ErrorState error={account.error} onRetry={account.reload} />
        ) : !account.data ? (
          <p className="muted">Loading…</p>
        ) : account.data.keys.length === 0 ? (
          <p className="muted">This customer has no keys.</p>
        ) : (
          <ul className="key-list">
            {orderKeys(account.data.keys, Date.now()).map((k) => (
              <li key={k.key_id}>
                <code>{k.key_id}</code> {k.name ? <span>{k.name}</span> : null}{' '}
                <KeyStateBadge state={keyState(k, Date.now())} />{' '}
                <span className="muted small">created {formatDate(k.created_at)}</span>
              </li>
            ))}
          </ul>
        )}
        <p>
          <Link to={`/keys?customer=${encodeURIComponent(customerId)}`}>
            Manage keys and plan →
          </Link>
        </p>
      </section>
    </>
  );
}
