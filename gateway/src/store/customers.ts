import { randomBase62 } from '../keys/api-key.js';
import type { Queryable } from './db.js';
import type { CustomerRecord, Page, PageOptions } from './records.js';

const CUSTOMER_COLUMNS = 'id, name, plan, disabled_at, created_at, updated_at';

export function newCustomerId(): string {
  return `cus_${randomBase62(20)}`;
}

/** `undefined` when the plan does not exist (checked in the same statement as the insert). */
export async function createCustomer(
  q: Queryable,
  input: { name: string; plan: string },
): Promise<CustomerRecord | undefined> {
  const { rows } = await q.query<CustomerRecord>(
    `INSERT INTO customers (id, name, plan)
     SELECT $1, $2, name FROM plans WHERE name = $3
     RETURNING ${CUSTOMER_COLUMNS}`,
    [newCustomerId(), input.name, input.plan],
  );
  return rows[0];
}

export async function getCustomer(q: Queryable, id: string): Promise<CustomerRecord | undefined> {
  return (
    await q.query<CustomerRecord>(`SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE id = $1`, [id])
  ).rows[0];
}

export async function listCustomers(
  q: Queryable,
  page: PageOptions,
): Promise<Page<CustomerRecord>> {
  const { rows } = await q.query<CustomerRecord & { seq: number }>(
    `SELECT ${CUSTOMER_COLUMNS}, seq FROM customers WHERE seq > $1 ORDER BY seq LIMIT $2`,
    [page.afterSeq ?? 0, page.limit + 1],
  );
  return toPage(rows, page.limit);
}

export function toPage<T extends { seq: number }>(rows: T[], limit: number): Page<Omit<T, 'seq'>> {
  const hasMore = rows.length > limit;
  const kept = rows.slice(0, limit);
  const last = kept.at(-1);
  return {
    items: kept.map(({ seq: _seq, ...rest }) => rest),
    nextSeq: hasMore && last ? last.seq : null,
  };
}

export async function setCustomerDisabled(
  q: Queryable,
  id: string,
  disabled: boolean,
): Promise<CustomerRecord | undefined> {
  // Disabling an already disabled customer keeps the first disabled_at (idempotent).
  const { rows } = await q.query<CustomerRecord>(
    `UPDATE customers
        SET disabled_at = CASE WHEN $2 THEN coalesce(disabled_at, now()) ELSE NULL END,
            updated_at = now()
      WHERE id = $1
      RETURNING ${CUSTOMER_COLUMNS}`,
    [id, disabled],
  );
  return rows[0];
}

export type UpdateCustomerResult =
  | { ok: true; customer: CustomerRecord }
  | { ok: false; reason: 'customer_not_found' | 'plan_not_found' };

export async function updateCustomer(
  q: Queryable,
  id: string,
  patch: { name?: string | undefined; plan?: string | undefined },
): Promise<UpdateCustomerResult> {
  if (patch.plan !== undefined) {
    const plan = await q.query('SELECT 1 FROM plans WHERE name = $1', [patch.plan]);
    if (plan.rows.length === 0) return { ok: false, reason: 'plan_not_found' };
  }
  const { rows } = await q.query<CustomerRecord>(
    `UPDATE customers
        SET name = coalesce($2, name), plan = coalesce($3, plan), updated_at = now()
      WHERE id = $1
      RETURNING ${CUSTOMER_COLUMNS}`,
    [id, patch.name ?? null, patch.plan ?? null],
  );
  const customer = rows[0];
  return customer ? { ok: true, customer } : { ok: false, reason: 'customer_not_found' };
}
