import type { CustomerRow } from '@gatehouse/shared';
import type { AdminCustomer } from '../../api/admin/types.js';

export const CUSTOMER_SORT_KEYS = [
  'customer_id',
  'name',
  'requests',
  'errors',
  'error_rate',
  'rate_limited',
  'p95_ms',
] as const;
export type CustomerSortKey = (typeof CUSTOMER_SORT_KEYS)[number];

export interface CustomerTableRow extends CustomerRow {
  /** From the admin API when it answered; '' otherwise. */
  name: string;
  plan: string;
}

/** Joins analytics rows with the admin API's names and plans (either side may be missing). */
export function joinCustomers(
  rows: readonly CustomerRow[],
  admin: readonly AdminCustomer[] | undefined,
): CustomerTableRow[] {
  const byId = new Map((admin ?? []).map((c) => [c.id, c]));
  return rows.map((r) => {
    const a = byId.get(r.customer_id);
    return { ...r, name: a?.name ?? '', plan: a?.plan ?? '' };
  });
}
