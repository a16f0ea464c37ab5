/**
 * SQL for the orders table: one small function per statement. Plain PostgreSQL that runs
 * the same on pg and PGlite. Every statement is scoped by `customer_id`, so another
 * customer's order is indistinguishable from a missing one.
 */
import type { Queryable } from '../db/database.js';
import type { Order, OrderStatus } from './schemas.js';

export interface OrderRow {
  id: string;
  customer_id: string;
  items: Order['items'];
  currency: string;
  notes: string | null;
  status: OrderStatus;
  total_cents: number;
  created_at: Date;
  updated_at: Date;
  version: number;
}

export const ORDER_COLUMNS =
  'id, customer_id, items, currency, notes, status, total_cents, created_at, updated_at, version';

export function toOrder(row: OrderRow): Order {
  return {
    id: row.id,
    customer_id: row.customer_id,
    items: row.items,
    currency: row.currency,
    notes: row.notes,
    status: row.status,
    total_cents: Number(row.total_cents),
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}

export async function insertOrder(db: Queryable, row: OrderRow): Promise<void> {
  await db.query(
    `INSERT INTO orders (${ORDER_COLUMNS}) VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8, $9, $10)`,
    [
      row.id,
      row.customer_id,
      JSON.stringify(row.items),
      row.currency,
      row.notes,
      row.status,
      row.total_cents,
      row.created_at.toISOString(),
      row.updated_at.toISOString(),
      row.version,
    ],
  );
}

export async function findOrder(
  db: Queryable,
  customerId: string,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<OrderRow | null> {
  const res = await db.query<OrderRow>(
    `SELECT ${ORDER_COLUMNS} FROM orders WHERE customer_id = $1 AND id = $2${opts.forUpdate ? ' FOR UPDATE' : ''}`,
    [customerId, id],
  );
  return res.rows[0] ?? null;
}

/** Writes every mutable column; the caller has locked the row and bumped `version`. */
export async function updateOrder(db: Queryable, row: OrderRow): Promise<void> {
  await db.query(
    `UPDATE orders SET items = $3::jsonb, currency = $4, notes = $5, status = $6, total_cents = $7,
       updated_at = $8, version = $9
     WHERE customer_id = $1 AND id = $2`,
    [
      row.customer_id,
      row.id,
      JSON.stringify(row.items),
      row.currency,
      row.notes,
      row.status,
      row.total_cents,
      row.updated_at.toISOString(),
      row.version,
    ],
  );
}

export async function deleteOrder(db: Queryable, customerId: string, id: string): Promise<boolean> {
  const res = await db.query('DELETE FROM orders WHERE customer_id = $1 AND id = $2', [
    customerId,
    id,
  ]);
  return res.rowCount > 0;
}

export interface OrderFilter {
  status?: OrderStatus | undefined;
  createdAfter?: Date | undefined;
  createdBefore?: Date | undefined;
}

/** WHERE clause for a customer's orders with filters; params start at $1 = customer id. */
export function filterClause(
  customerId: string,
  filter: OrderFilter,
): { where: string; params: unknown[] } {
  const params: unknown[] = [customerId];
  const parts = ['customer_id = $1'];
  if (filter.status) {
    params.push(filter.status);
    parts.push(`status = $${params.length}`);
  }
  if (filter.createdAfter) {
    params.push(filter.createdAfter.toISOString());
    parts.push(`created_at > $${params.length}`);
  }
  if (filter.createdBefore) {
    params.push(filter.createdBefore.toISOString());
    parts.push(`created_at < $${params.length}`);
  }
  return { where: parts.join(' AND '), params };
}

/** One page in (created_at, id) order, strictly after `after` when given; `limit + 1` rows. */
export async function listOrders(
  db: Queryable,
  customerId: string,
  filter: OrderFilter,
  after: { createdAt: Date; id: string } | null,
  limit: number,
): Promise<OrderRow[]> {
  const { where, params } = filterClause(customerId, filter);
  let sql = `SELECT ${ORDER_COLUMNS} FROM orders WHERE ${where}`;
  if (after) {
    params.push(after.createdAt.toISOString(), after.id);
    sql += ` AND (created_at, id) > ($${params.length - 1}::timestamptz, $${params.length})`;
  }
  params.push(limit + 1);
  sql += ` ORDER BY created_at, id LIMIT $${params.length}`;
  const res = await db.query<OrderRow>(sql, params);
  return res.rows;
}

/** The export query: same filters and order as the list, read through a cursor. */
export function exportQuery(
  customerId: string,
  filter: OrderFilter,
): { sql: string; params: unknown[] } {
  const { where, params } = filterClause(customerId, filter);
  return {
    sql: `SELECT ${ORDER_COLUMNS} FROM orders WHERE ${where} ORDER BY created_at, id`,
    params,
  };
}
