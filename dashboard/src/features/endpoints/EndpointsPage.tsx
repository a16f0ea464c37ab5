import type { EndpointRow } from '@gatehouse/shared';
import { Link, useLocation } from 'react-router-dom';
import { type Column, SortableTable } from '../../components/SortableTable.js';
import { Sparkline } from '../../components/Sparkline.js';
import { Async, EmptyState } from '../../components/States.js';
import { PageHeader } from '../../components/Toolbar.js';
import { config } from '../../config.js';
import { useAutoRefresh } from '../../hooks/useAutoRefresh.js';
import { useSortParam } from '../../hooks/useSortParam.js';
import { useTimeWindow } from '../../hooks/useTimeWindow.js';
import { formatCount, formatMs, formatPercent } from '../../utils/format.js';
import { endpointHref } from '../../utils/links.js';
import { describeWindow } from '../../utils/timeRange.js';
import { useEndpointsData } from './useEndpointsData.js';
import { ENDPOINT_SORT_KEYS, type EndpointSortKey, endpointKey } from './utils.js';

export function EndpointsPage() {
  const { window, setWindow } = useTimeWindow();
  const live = useAutoRefresh(config.autoRefreshMs);
  const { sort, onSort } = useSortParam<EndpointSortKey>(ENDPOINT_SORT_KEYS, {
    key: 'requests',
    order: 'desc',
  });
  const data = useEndpointsData(window, sort, live.tick);
  const { search } = useLocation();

  const columns: Column<EndpointRow, EndpointSortKey>[] = [
    {
      key: 'route',
      label: 'Endpoint',
      sortable: true,
      render: (e) => (
        <Link to={endpointHref(e.method, e.route, search)}>
          <span className="method">{e.method}</span> {e.route || '(no route matched)'}
        </Link>
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
    {
      key: 'requests',
      label: 'Requests',
      numeric: true,
      sortable: true,
      render: (e) => formatCount(e.requests),
    },
    {
      key: 'error_rate',
      label: 'Error rate',
      numeric: true,
      sortable: true,
      render: (e) => formatPercent(e.error_rate),
    },
    {
      key: 'p50_ms',
      label: 'p50',
      numeric: true,
      sortable: true,
      render: (e) => formatMs(e.p50_ms),
    },
    {
      key: 'p95_ms',
      label: 'p95',
      numeric: true,
      sortable: true,
      render: (e) => formatMs(e.p95_ms),
    },
    {
      key: 'p99_ms',
      label: 'p99',
      numeric: true,
      sortable: true,
      render: (e) => formatMs(e.p99_ms),
    },
  ];

  return (
    <>
      <PageHeader
        title="Endpoints"
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
        empty={<EmptyState title="No endpoints saw traffic in this time range." />}
      >
        {(rows) => (
          <SortableTable
            caption="Endpoints"
            columns={columns}
            rows={rows}
            rowKey={endpointKey}
            sort={sort}
            onSort={onSort}
          />
        )}
      </Async>
    </>
  );
}
