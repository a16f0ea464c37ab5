import type { EndpointRow, Overview, RequestEvent } from '@gatehouse/shared';
import { getCustomer } from '../../api/admin/getCustomer.js';
import { listKeys } from '../../api/admin/listKeys.js';
import type { AdminCustomer, AdminKey } from '../../api/admin/types.js';
import { getEndpoints } from '../../api/analytics/getEndpoints.js';
import { getOverview } from '../../api/analytics/getOverview.js';
import { getTimeseries } from '../../api/analytics/getTimeseries.js';
import { searchRequests } from '../../api/analytics/searchRequests.js';
import { useClients } from '../../auth/AuthContext.js';
import { useRemote } from '../../hooks/useRemote.js';
import { type SeriesColumns, toColumns } from '../../utils/series.js';
import { sortRows } from '../../utils/sortRows.js';
import { type TimeWindow, windowKey } from '../../utils/timeRange.js';

export interface CustomerTraffic {
  totals: Overview;
  series: SeriesColumns;
  endpoints: EndpointRow[];
  recent: RequestEvent[];
}

export interface CustomerAccount {
  customer: AdminCustomer | null;
  keys: AdminKey[];
}

export function useCustomerData(customerId: string, window: TimeWindow, tick: number) {
  const { analytics, admin } = useClients();
  const f = { customer_id: customerId };
  const traffic = useRemote<CustomerTraffic>(
    `${customerId}@${windowKey(window)}#${tick}`,
    async (signal) => {
      const [totals, ts, endpoints, recent] = await Promise.all([
        getOverview(analytics, window, f, signal),
        getTimeseries(analytics, window, f, signal),
        getEndpoints(analytics, window, { ...f, limit: 100 }, signal),
        searchRequests(analytics, window, { ...f, limit: 20 }, signal),
      ]);
      return {
        totals,
        series: toColumns(ts.points, ts.bucket_seconds),
        endpoints: sortRows(endpoints, 'requests', 'desc'),
        recent: recent.items,
      };
    },
  );
  // Keys come from the gateway's admin API, a separate service: its failure only empties that panel.
  const account = useRemote<CustomerAccount>(`${customerId}#${tick}`, async (signal) => {
    const [customer, keys] = await Promise.all([
      getCustomer(admin, customerId, signal).catch(() => null),
      listKeys(admin, customerId, signal),
    ]);
    return { customer, keys };
  });
  return { traffic, account };
}
