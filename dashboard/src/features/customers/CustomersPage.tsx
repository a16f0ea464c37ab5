import { Link, useLocation } from 'react-router-dom';
import { type Column, SortableTable } from '../../components/SortableTable.js';
import { Async, EmptyState } from '../../components/States.js';
import { PageHeader } from '../../components/Toolbar.js';
import { config } from '../../config.js';
import { useAutoRefresh } from '../../hooks/useAutoRefresh.js';
import { useSortParam } from '../../hooks/useSortParam.js';
import { useTimeWindow } from '../../hooks/useTimeWindow.js';
import { formatCount, formatMs, formatPercent } from '../../utils/format.js';
import { customerHref } from '../../utils/links.js';
import { describeWindow } from '../../utils/timeRange.js';
import { useCustomersData } from './useCustomersData.js';
import { CUSTOMER_SORT_KEYS, type CustomerSortKey, type CustomerTableRow } from './utils.js';

export function CustomersPage() {
  const { window, setWindow } = useTimeWindow();
  const live = useAutoRefresh(config.autoRefreshMs);
  const { sort, onSort } = useSortParam<CustomerSortKey>(CUSTOMER_SORT_KEYS, {
    key: 'requests',
    order: 'desc',
  });
  const data = useCustomersData(window, sort, live.tick);
  const { search } = useLocation();

  const columns: Column<CustomerTableRow, CustomerSortKey>[] = [
    {
      key: 'customer_id',
      label: 'Customer',
      sortable: true,
      render: (c) =>
        c.customer_id ? (
          <Link to={customerHref(c.customer_id, search)}>{c.customer_id}</Link>
        ) : (
          <span className="muted">(unauthenticated)</span>
        ),
    },
    {
      key: 'name',
      label: 'Name',
      sortable: true,
      render: (c) => c.name || <span className="muted">–</span>,
    },
    { key: 'plan', label: 'Plan', render: (c) => c.plan || <span className="muted">–</span> },
    {
      key: 'requests',
      label: 'Requests',
      numeric: true,
      sortable: true,
      render: (c) => formatCount(c.requests),
    },
    {
      key: 'errors',
      label: 'Errors',
      numeric: true,
      sortable: true,
      render: (c) => formatCount(c.errors),
    },
    {
      key: 'error_rate',
      label: 'Error rate',
      numeric: true,
      sortable: true,
      render: (c) => formatPercent(c.error_rate),
    },
    {
      key: 'rate_limited',
      label: 'Rate-limited',
      numeric: true,
      sortable: true,
      render: (c) => formatCount(c.rate_limited),
    },
    {
      key: 'p95_ms',
      label: 'p95',
      numeric: true,
      sortable: true,
      render: (c) => formatMs(c.p95_ms),
    },
  ];

  return (
    <>
      <PageHeader
        title="Customers"
        subtitle={describeWindow(window)}
        window={window}
        onWindow={setWindow}
        live={live.enabled}
        onLive={live.setEnabled}
        onRefresh={data.reload}
        loading={data.loading}
      />
      <Async
        {...data}
        onRetry={data.reload}
        minHeight={300}
        isEmpty={(rows) => rows.length === 0}
        empty={<EmptyState title="No customer traffic in this time range." />}
      >
        {(rows) => (
          <SortableTable
            caption="Customers"
            columns={columns}
            rows={rows}
            rowKey={(c) => c.customer_id || '(anonymous)'}
            sort={sort}
            onSort={onSort}
          />
        )}
      </Async>
    </>
  );
}
