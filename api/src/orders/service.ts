/**
 * Order rules: totals computed here (never taken from the client), status transitions,
 * optimistic concurrency through `version`/ETag, and pagination. Routes call these; the
 * store holds the SQL.
 */
import { ApiError } from '@gatehouse/shared';
import type { Database, Queryable } from '../db/database.js';
import { newId } from '../db/ids.js';
import { ApiErrors } from '../errors.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { ifMatchSatisfied, orderEtag } from './etag.js';
import type {
  CreateOrderInput,
  ListOrdersQuery,
  Order,
  PatchOrderInput,
  ReplaceOrderInput,
} from './schemas.js';
import * as store from './store.js';
import { allowedNext, canTransition } from './transitions.js';

export interface VersionedOrder {
  order: Order;
  etag: string;
}

export function newOrderId(): string {
  return newId('ord');
}

export function totalCents(items: Order['items']): number {
  return items.reduce((sum, i) => sum + i.quantity * i.unit_price_cents, 0);
}

function versioned(row: store.OrderRow): VersionedOrder {
  return { order: store.toOrder(row), etag: orderEtag(row.id, row.version) };
}

/**
 * Creates a pending order. `withinTransaction` runs inside the same transaction after the
 * insert: the idempotency record is completed there, so the order and its stored response
 * commit together or not at all.
 */
export async function createOrder(
  db: Database,
  customerId: string,
  input: CreateOrderInput,
  withinTransaction?: (tx: Queryable, created: VersionedOrder) => Promise<void>,
): Promise<VersionedOrder> {
  const now = new Date();
  const row: store.OrderRow = {
    id: newOrderId(),
    customer_id: customerId,
    items: input.items,
    currency: input.currency,
    notes: input.notes ?? null,
    status: 'pending',
    total_cents: totalCents(input.items),
    created_at: now,
    updated_at: now,
    version: 1,
  };
  const created = versioned(row);
  await db.transaction(async (tx) => {
    await store.insertOrder(tx, row);
    await withinTransaction?.(tx, created);
  });
  return created;
}

export async function getOrder(
  db: Database,
  customerId: string,
  id: string,
): Promise<VersionedOrder> {
  const row = await store.findOrder(db, customerId, id);
  if (!row) throw new ApiError(ApiErrors.order_not_found);
  return versioned(row);
}

/** Applies a change to a locked row after the If-Match and lifecycle checks. */
async function mutate(
  db: Database,
  customerId: string,
  id: string,
  ifMatch: string | undefined,
  change: PatchOrderInput,
): Promise<VersionedOrder> {
  return db.transaction(async (tx) => {
    const row = await store.findOrder(tx, customerId, id, { forUpdate: true });
    if (!row) throw new ApiError(ApiErrors.order_not_found);
    if (!ifMatchSatisfied(ifMatch, orderEtag(row.id, row.version))) {
      throw new ApiError(ApiErrors.precondition_failed);
    }
    if (change.status !== undefined && !canTransition(row.status, change.status)) {
      throw new ApiError(ApiErrors.invalid_state_transition, {
        field: 'status',
        message: `An order that is ${row.status} cannot become ${change.status}.`,
        details: { from: row.status, to: change.status, allowed: allowedNext(row.status) },
      });
    }
    const itemsChange =
      change.items !== undefined && JSON.stringify(change.items) !== JSON.stringify(row.items);
    const currencyChange = change.currency !== undefined && change.currency !== row.currency;
    if ((itemsChange || currencyChange) && row.status !== 'pending') {
      throw new ApiError(ApiErrors.order_not_editable, {
        field: itemsChange ? 'items' : 'currency',
      });
    }
    const items = change.items ?? row.items;
    const next: store.OrderRow = {
      ...row,
      items,
      currency: change.currency ?? row.currency,
      notes: change.notes === undefined ? row.notes : change.notes,
      status: change.status ?? row.status,
      total_cents: totalCents(items),
      updated_at: new Date(),
      version: row.version + 1,
    };
    await store.updateOrder(tx, next);
    return versioned(next);
  });
}

export function replaceOrder(
  db: Database,
  customerId: string,
  id: string,
  input: ReplaceOrderInput,
  ifMatch: string | undefined,
): Promise<VersionedOrder> {
  // Replace: an absent `notes` clears them.
  return mutate(db, customerId, id, ifMatch, { ...input, notes: input.notes ?? null });
}

export function patchOrder(
  db: Database,
  customerId: string,
  id: string,
  input: PatchOrderInput,
  ifMatch: string | undefined,
): Promise<VersionedOrder> {
  return mutate(db, customerId, id, ifMatch, input);
}

export async function removeOrder(
  db: Database,
  customerId: string,
  id: string,
  ifMatch: string | undefined,
): Promise<void> {
  await db.transaction(async (tx) => {
    const row = await store.findOrder(tx, customerId, id, { forUpdate: true });
    if (!row) throw new ApiError(ApiErrors.order_not_found);
    if (!ifMatchSatisfied(ifMatch, orderEtag(row.id, row.version))) {
      throw new ApiError(ApiErrors.precondition_failed);
    }
    await store.deleteOrder(tx, customerId, id);
  });
}

export interface OrderPage {
  items: Order[];
  has_more: boolean;
  next_cursor: string | null;
}

export async function listOrders(
  db: Database,
  customerId: string,
  query: ListOrdersQuery,
): Promise<OrderPage> {
  const after = query.cursor ? decodeCursor(query.cursor) : null;
  const rows = await store.listOrders(db, customerId, toFilter(query), after, query.limit);
  const has_more = rows.length > query.limit;
  const page = has_more ? rows.slice(0, query.limit) : rows;
  const last = page[page.length - 1];
  return {
    items: page.map(store.toOrder),
    has_more,
    next_cursor:
      has_more && last ? encodeCursor({ createdAt: new Date(last.created_at), id: last.id }) : null,
  };
}

export function toFilter(q: {
  status?: Order['status'] | undefined;
  created_after?: string | undefined;
  created_before?: string | undefined;
}): store.OrderFilter {
  return {
    status: q.status,
    createdAfter: q.created_after ? new Date(q.created_after) : undefined,
    createdBefore: q.created_before ? new Date(q.created_before) : undefined,
  };
}
