import type { CustomerRow, EndpointRow, ErrorCodeRow, Overview } from '@gatehouse/shared';
import { getCustomers } from '../../api/analytics/getCustomers.js';
import { getEndpoints } from '../../api/analytics/getEndpoints.js';
import { getErrorCodes } from '../../api/analytics/getErrorCodes.js';
import { type AlertItem, getAlerts } from '../../api/analytics/getAlerts.js';
import { getOverview } from '../../api/analytics/getOverview.js';
import { getTimeseries } from '../../api/analytics/getTimeseries.js';
import { useClients } from '../../auth/AuthContext.js';
import { type Remote, useRemote } from '../../hooks/useRemote.js';
import { type SeriesColumns, toColumns } from '../../utils/series.js';
import { sortRows } from '../../utils/sortRows.js';
import { type TimeWindow, windowKey } from '../../utils/timeRange.js';

export interface OverviewData {
  overview: Overview;
  series: SeriesColumns;
  topEndpoints: EndpointRow[];
  topCustomers: CustomerRow[];
  topErrors: ErrorCodeRow[];
}

export function useOverviewData(
  window: TimeWindow,
  tick: number,
): { main: Remote<OverviewData>; alerts: Remote<AlertItem[] | null> } {
  const { analytics } = useClients();
  const key = `${windowKey(window)}#${tick}`;
  const main = useRemote(key, async (signal) => {
    const [overview, ts, endpoints, customers, errors] = await Promise.all([
      getOverview(analytics, window, {}, signal),
      getTimeseries(analytics, window, {}, signal),
      getEndpoints(analytics, window, { limit: 50 }, signal),
      getCustomers(analytics, window, { limit: 50 }, signal),
      getErrorCodes(analytics, window, {}, signal),
    ]);
    return {
      overview,
      series: toColumns(ts.points, ts.bucket_seconds),
      topEndpoints: sortRows(endpoints, 'requests', 'desc').slice(0, 5),
      topCustomers: sortRows(customers, 'requests', 'desc').slice(0, 5),
      topErrors: sortRows(errors, 'requests', 'desc').slice(0, 5),
    };
  });
  const alerts = useRemote(`alerts#${tick}`, (signal) => getAlerts(analytics, 'firing', signal));
  return { main, alerts };
}
