import type { CustomerRow, RequestEvent, StatusRow } from '@gatehouse/shared';
import { getCustomers } from '../../api/analytics/getCustomers.js';
import { getOverview } from '../../api/analytics/getOverview.js';
import { getStatusCodes } from '../../api/analytics/getStatusCodes.js';
import { getTimeseries } from '../../api/analytics/getTimeseries.js';
import { searchRequests } from '../../api/analytics/searchRequests.js';
import { useClients } from '../../auth/AuthContext.js';
import { useRemote } from '../../hooks/useRemote.js';
import { type SeriesColumns, toColumns } from '../../utils/series.js';
import { sortRows } from '../../utils/sortRows.js';
import { type TimeWindow, windowKey } from '../../utils/timeRange.js';
import { slowestRequests, type StatusMixRow, statusMix } from './utils.js';
import type { Overview } from '@gatehouse/shared';

export interface EndpointData {
  totals: Overview;
  series: SeriesColumns;
  statuses: StatusRow[];
  mix: StatusMixRow[];
  topCustomers: CustomerRow[];
  slowest: RequestEvent[];
}

export function useEndpointData(method: string, route: string, window: TimeWindow, tick: number) {
  const { analytics } = useClients();
  const filters = { method, route };
  const key = route ? `${method} ${route}@${windowKey(window)}#${tick}` : null;
  return useRemote<EndpointData>(key, async (signal) => {
    const [totals, ts, statuses, customers, recent] = await Promise.all([
      getOverview(analytics, window, filters, signal),
      getTimeseries(analytics, window, filters, signal),
      getStatusCodes(analytics, window, filters, signal),
      getCustomers(analytics, window, { ...filters, limit: 50 }, signal),
      searchRequests(analytics, window, { ...filters, limit: 200 }, signal),
    ]);
    return {
      totals,
      series: toColumns(ts.points, ts.bucket_seconds),
      statuses: sortRows(statuses, 'status', 'asc'),
      mix: statusMix(statuses),
      topCustomers: sortRows(customers, 'requests', 'desc').slice(0, 10),
      slowest: slowestRequests(recent.items, 10),
    };
  });
}
