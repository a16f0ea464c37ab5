import { useLocation } from 'react-router-dom';
import { type Column, metricColumn } from '../../components/DataTable.js';
import { CustomerRef } from '../../components/Refs.js';
import { RemoteTable } from '../../components/RemoteTable.js';
import { PageHeader } from '../../components/Toolbar.js';
import { useSortParam } from '../../hooks/useSortParam.js';
import { useViewControls } from '../../hooks/useViewControls.js';
import { formatCount, formatMs, formatPercent } from '../../utils/format.js';
import { useCustomersData } from './useCustomersData.js';
import { CUSTOMER_SORT_KEYS, type CustomerSortKey, type CustomerTableRow } from './utils.js';

type Col = Column<CustomerTableRow, CustomerSortKey>;
const dash = <span className="muted">–</span>;

export function CustomersPage() {
  const view = useViewControls();
  const { sort, onSort } = useSortParam<CustomerSortKey>(CUSTOMER_SORT_KEYS, {
    key: 'requests',
    order: 'desc',
  });
  const data = useCustomersData(view.window, sort, view.live.tick);
  const { search } = useLocation();

  const columns: Col[] = [
    {
      key: 'customer_id',
      label: 'Customer',
      sortable: true,
      render: (c) => <CustomerRef id={c.customer_id} search={search} />,
    },
    { key: 'name', label: 'Name', sortable: true, render: (c) => c.name || dash },
    { key: 'plan', label: 'Plan', render: (c) => c.plan || dash },
    metricColumn('requests', 'Requests', formatCount),
    metricColumn('errors', 'Errors', formatCount),
    metricColumn('error_rate', 'Error rate', formatPercent),
    metricColumn('rate_limited', 'Rate-limited', formatCount),
    metricColumn('p95_ms', 'p95', formatMs),
  ];

  return (
    <>
      <PageHeader title="Customers" view={view} onRefresh={data.reload} loading={data.loading} />
      <RemoteTable
        remote={data}
        minHeight={300}
        emptyTitle="No customer traffic in this time range."
        caption="Customers"
        columns={columns}
        rowKey={(c) => c.customer_id || '(anonymous)'}
        sort={sort}
        onSort={onSort}
      />
    </>
  );
}
