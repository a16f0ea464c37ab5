import type { EndpointRow } from '@gatehouse/shared';
import { useLocation } from 'react-router-dom';
import { type Column, metricColumn } from '../../components/DataTable.js';
import { EndpointLink } from '../../components/Refs.js';
import { RemoteTable } from '../../components/RemoteTable.js';
import { Sparkline } from '../../components/Sparkline.js';
import { PageHeader } from '../../components/Toolbar.js';
import { useSortParam } from '../../hooks/useSortParam.js';
import { useViewControls } from '../../hooks/useViewControls.js';
import { formatCount, formatMs, formatPercent } from '../../utils/format.js';
import { useEndpointsData } from './useEndpointsData.js';
import { ENDPOINT_SORT_KEYS, type EndpointSortKey, endpointKey } from './utils.js';

export function EndpointsPage() {
  const view = useViewControls();
  const { sort, onSort } = useSortParam<EndpointSortKey>(ENDPOINT_SORT_KEYS, {
    key: 'requests',
    order: 'desc',
  });
  const data = useEndpointsData(view.window, sort, view.live.tick);
  const { search } = useLocation();

  const columns: Column<EndpointRow, EndpointSortKey>[] = [
    {
      key: 'route',
      label: 'Endpoint',
      sortable: true,
      render: (e) => (
        <EndpointLink
          method={e.method}
          route={e.route}
          search={search}
          fallback="(no route matched)"
        />
      ),
    },
    {
      key: 'trend',
      label: 'Traffic',
      render: (e) => (
        <Sparkline
          values={data.sparklines?.get(endpointKey(e))}
          label={`Traffic trend of ${endpointKey(e)}`}
        />
      ),
    },
    metricColumn('requests', 'Requests', formatCount),
    metricColumn('error_rate', 'Error rate', formatPercent),
    metricColumn('p50_ms', 'p50', formatMs),
    metricColumn('p95_ms', 'p95', formatMs),
    metricColumn('p99_ms', 'p99', formatMs),
  ];

  return (
    <>
      <PageHeader title="Endpoints" view={view} onRefresh={data.reload} loading={data.loading} />
      <RemoteTable
        remote={data}
        minHeight={300}
        emptyTitle="No endpoints saw traffic in this time range."
        caption="Endpoints"
        columns={columns}
        rowKey={endpointKey}
        sort={sort}
        onSort={onSort}
      />
    </>
  );
}
