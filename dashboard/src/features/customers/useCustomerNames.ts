import { listCustomers } from '../../api/admin/listCustomers.js';
import { useClients } from '../../auth/AuthContext.js';
import { useRemote } from '../../hooks/useRemote.js';

/**
 * Customer names from the admin API, to label analytics rows (which carry only ids).
 * A nicety: when the admin API is unreachable the map is empty and ids are shown alone.
 */
export function useCustomerNames(): ReadonlyMap<string, string> {
  const { admin } = useClients();
  const names = useRemote('customer-names', async (signal) => {
    const list = await listCustomers(admin, signal).catch(() => []);
    return new Map(list.map((c) => [c.id, c.name]));
  });
  return names.data ?? EMPTY;
}

const EMPTY: ReadonlyMap<string, string> = new Map();
