/**
 * Order shapes: the zod schemas validate requests and, through zod-to-openapi, generate the
 * OpenAPI document, so the docs cannot drift from what the api accepts.
 *
 * Request schemas are strict: a field the client may not set (`id`, `customer_id`,
 * `total_cents`, `status` on create, timestamps) or does not exist is refused with 422
 * `validation_failed` naming that field, rather than silently ignored.
 */
import { z } from 'zod';

/**
 * Text that PostgreSQL can store: no NUL (text and jsonb refuse U+0000) and well-formed
 * UTF-16 (a lone surrogate cannot be encoded), so bad input is a 422, never a 500.
 */
// A lone UTF-16 surrogate (valid in JSON via \uD800 escapes) cannot be stored as UTF-8.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isStorableText(s: string): boolean {
  return !s.includes('\u0000') && !LONE_SURROGATE.test(s);
}

export function storableText(min: number, max: number) {
  return z.string().min(min).max(max).refine(isStorableText, {
    message: 'Must be valid Unicode text without NUL characters.',
  });
}

export const ORDER_STATUSES = ['pending', 'paid', 'shipped', 'cancelled'] as const;
export const OrderStatusSchema = z.enum(ORDER_STATUSES).meta({ id: 'OrderStatus' });
export type OrderStatus = z.infer<typeof OrderStatusSchema>;

export const OrderItemSchema = z
  .strictObject({
    sku: storableText(1, 64).meta({ example: 'SKU-123' }),
    quantity: z.number().int().min(1).max(10_000),
    unit_price_cents: z.number().int().min(0).max(1_000_000_000),
  })
  .meta({ id: 'OrderItem' });

const items = z.array(OrderItemSchema).min(1).max(100);
const currency = z
  .string()
  .regex(/^[A-Z]{3}$/, 'Must be an ISO 4217 code of three capital letters.')
  .meta({ example: 'EUR', description: 'ISO 4217 currency code.' });
const notes = storableText(0, 1000);

export const CreateOrderSchema = z
  .strictObject({ items, currency, notes: notes.optional() })
  .meta({ id: 'CreateOrder' });
export type CreateOrderInput = z.infer<typeof CreateOrderSchema>;

/**
 * PUT replaces the client-writable fields: `notes` absent means no notes. `status` is a
 * state machine rather than a plain field: absent leaves it unchanged, present must be a
 * permitted transition.
 */
export const ReplaceOrderSchema = z
  .strictObject({
    items,
    currency,
    notes: notes.nullable().optional(),
    status: OrderStatusSchema.optional(),
  })
  .meta({ id: 'ReplaceOrder' });
export type ReplaceOrderInput = z.infer<typeof ReplaceOrderSchema>;

/** PATCH: any subset; `notes: null` clears the notes. */
export const PatchOrderSchema = z
  .strictObject({
    items: items.optional(),
    currency: currency.optional(),
    notes: notes.nullable().optional(),
    status: OrderStatusSchema.optional(),
  })
  .meta({ id: 'PatchOrder' });
export type PatchOrderInput = z.infer<typeof PatchOrderSchema>;

export const OrderSchema = z
  .object({
    id: z.string().meta({ example: 'ord_3f9c2a1b7e6d5c4b3a291807' }),
    customer_id: z.string(),
    items: z.array(OrderItemSchema),
    currency: z.string(),
    notes: z.string().nullable(),
    status: OrderStatusSchema,
    total_cents: z
      .number()
      .int()
      .meta({ description: 'Sum of quantity × unit_price_cents, computed by the server.' }),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
  })
  .meta({ id: 'Order' });
export type Order = z.infer<typeof OrderSchema>;

export const OrderPageSchema = z
  .object({
    items: z.array(OrderSchema),
    has_more: z.boolean(),
    next_cursor: z.string().nullable(),
  })
  .meta({ id: 'OrderPage' });

const timestamp = z.iso.datetime({ offset: true });

export const ListOrdersQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().min(1).max(512).optional(),
  status: OrderStatusSchema.optional(),
  created_after: timestamp
    .optional()
    .meta({ description: 'Only orders created strictly after this instant.' }),
  created_before: timestamp
    .optional()
    .meta({ description: 'Only orders created strictly before this instant.' }),
});
export type ListOrdersQuery = z.infer<typeof ListOrdersQuerySchema>;

export const ExportOrdersQuerySchema = ListOrdersQuerySchema.pick({
  status: true,
  created_after: true,
  created_before: true,
});
export type ExportOrdersQuery = z.infer<typeof ExportOrdersQuerySchema>;

export const OrderIdParamsSchema = z.object({ id: storableText(1, 128) });
