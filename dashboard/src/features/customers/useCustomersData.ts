import { listCustomers } from '../../api/admin/listCustomers.js';
import { getCustomers } from '../../api/analytics/getCustomers.js';
import { useClients } from '../../auth/AuthContext.js';
import { useRemote } from '../../hooks/useRemote.js';
import { type SortState, sortRows } from '../../utils/sortRows.js';
import { type TimeWindow, windowKey } from '../../utils/timeRange.js';
import { type CustomerSortKey, joinCustomers } from './utils.js';

export function useCustomersData(
  window: TimeWindow,
  sort: SortState<CustomerSortKey>,
  tick: number,
) {
  const { analytics, admin } = useClients();
  const remote = useRemote(`${windowKey(window)}#${tick}`, async (signal) => {
    const [rows, names] = await Promise.all([
      getCustomers(analytics, window, { limit: 500 }, signal),
      // Names are a nicety: the table still works when the admin API is unreachable.
      listCustomers(admin, signal).catch(() => undefined),
    ]);
    return joinCustomers(rows, names);
  });
  return { ...remote, data: remote.data ? sortRows(remote.data, sort.key, sort.order) : undefined };
}
