import { z } from 'zod';

/**
 * One analytics event per request the gateway answered, rejected ones included.
 * Built once in the gateway, validated again by the collector: the single schema both share.
 * Never carries secrets: the path's query string is redacted before it gets here.
 */
/**
 * Latest accepted event time (2099-12-31T23:59:59.999Z): ClickHouse's DateTime ends in 2106,
 * and a later time would be stored as a wrong date rather than refused.
 */
export const MAX_EVENT_TS_MS = 4_102_444_799_999;

export const RequestEventSchema = z.object({
  request_id: z.string().min(1).max(128),
  /** W3C trace id (32 hex) or '' when the request was not traced. */
  trace_id: z.string().max(32),
  /** Unix epoch milliseconds when the gateway received the request. */
  ts_ms: z.number().int().nonnegative().max(MAX_EVENT_TS_MS),
  /** Gateway instance (host:pid) that served it. */
  instance: z.string().max(200),
  /** '' when the caller was not authenticated. */
  customer_id: z.string().max(128),
  key_id: z.string().max(128),
  auth_method: z.enum(['api_key', 'jwt', 'none']),
  method: z.string().min(1).max(16),
  /** Route template (`/v1/orders/{id}`), or '' when no route matched. */
  route: z.string().max(512),
  /** Raw path with query values redacted. */
  path: z.string().max(2048),
  status: z.number().int().min(100).max(599),
  /** Error code from the envelope, '' on success. */
  error_code: z.string().max(64),
  latency_ms: z.number().nonnegative(),
  upstream_latency_ms: z.number().nonnegative(),
  bytes_in: z.number().int().nonnegative(),
  bytes_out: z.number().int().nonnegative(),
  client_ip: z.string().max(64),
  user_agent: z.string().max(512),
  rate_limited: z.boolean(),
  idempotency_key: z.boolean(),
  idempotent_replayed: z.boolean(),
});
export type RequestEvent = z.infer<typeof RequestEventSchema>;

/**
 * The event's fields in wire order: the order of a positional line, a JSON array of the values
 * (`["req_1","",1764000000000,…]`, what gateways sent before event batches, and any sender may
 * still send), and of the fields of an event in an event batch (event-batch.ts, what gateways
 * send now). The collector also accepts the same event as an object line (keys in any order).
 * Changing this order or inserting a field changes the meaning of every line in flight: a new
 * field goes at the end, and readers tell the versions apart by the array's length (and the
 * batch's version byte).
 */
export const REQUEST_EVENT_FIELDS = [
  'request_id',
  'trace_id',
  'ts_ms',
  'instance',
  'customer_id',
  'key_id',
  'auth_method',
  'method',
  'route',
  'path',
  'status',
  'error_code',
  'latency_ms',
  'upstream_latency_ms',
  'bytes_in',
  'bytes_out',
  'client_ip',
  'user_agent',
  'rate_limited',
  'idempotency_key',
  'idempotent_replayed',
] as const satisfies readonly (keyof RequestEvent)[];

/** An event as the positional line's array (`JSON.stringify` of it is the line). */
export function eventRow(e: RequestEvent): unknown[] {
  return [
    e.request_id,
    e.trace_id,
    e.ts_ms,
    e.instance,
    e.customer_id,
    e.key_id,
    e.auth_method,
    e.method,
    e.route,
    e.path,
    e.status,
    e.error_code,
    e.latency_ms,
    e.upstream_latency_ms,
    e.bytes_in,
    e.bytes_out,
    e.client_ip,
    e.user_agent,
    e.rate_limited,
    e.idempotency_key,
    e.idempotent_replayed,
  ];
}

/**
 * The object a positional line's array stands for, still unvalidated (the schema judges it as it
 * would an object line); undefined when the array's length is not that of `REQUEST_EVENT_FIELDS`.
 */
export function eventFromRow(row: readonly unknown[]): Record<string, unknown> | undefined {
  if (row.length !== REQUEST_EVENT_FIELDS.length) return undefined;
  const e: Record<string, unknown> = {};
  for (let i = 0; i < row.length; i++) e[REQUEST_EVENT_FIELDS[i]!] = row[i];
  return e;
}

/**
 * Where the gateway's capture policy hands events. `push` never blocks and never throws:
 * the request path must not wait on analytics. Implementations are bounded and count drops.
 */
export interface EventSink {
  push(event: RequestEvent): void;
  /** Flush what can be flushed, then stop. Safe to call twice. */
  close(): Promise<void>;
}

/** Every key the schema knows; a row with any other key is left to zod (which would strip it). */
const REQUEST_EVENT_KEY_COUNT = Object.keys(RequestEventSchema.shape).length;

/**
 * Hand-written twin of `RequestEventSchema` for the collector's hot ingest path (zod costs ~18 µs
 * a row there). Conservative by design: true only when zod would accept the value AND return it
 * unchanged, so a caller may keep the input as is. Anything else (unknown keys, which zod strips;
 * non-plain objects; strings whose UTF-16 length exceeds a maximum that zod, counting code points,
 * might still accept) returns false and the caller asks zod, which stays the single source of
 * truth for what is valid and why not. The property test beside this file pins the agreement.
 */
export function isValidRequestEvent(value: unknown): value is RequestEvent {
  if (
    typeof value !== 'object' ||
    value === null ||
    Object.getPrototypeOf(value) !== Object.prototype
  ) {
    return false;
  }
  const v = value as Record<string, unknown>;
  // Exactly the schema's keys, all own: any other own key would make the count differ.
  if (Object.keys(v).length !== REQUEST_EVENT_KEY_COUNT) return false;
  return (
    hasOwn(v, 'request_id') &&
    str(v.request_id, 1, 128) &&
    hasOwn(v, 'trace_id') &&
    str(v.trace_id, 0, 32) &&
    hasOwn(v, 'ts_ms') &&
    nonNegativeInt(v.ts_ms) &&
    (v.ts_ms as number) <= MAX_EVENT_TS_MS &&
    hasOwn(v, 'instance') &&
    str(v.instance, 0, 200) &&
    hasOwn(v, 'customer_id') &&
    str(v.customer_id, 0, 128) &&
    hasOwn(v, 'key_id') &&
    str(v.key_id, 0, 128) &&
    hasOwn(v, 'auth_method') &&
    (v.auth_method === 'api_key' || v.auth_method === 'jwt' || v.auth_method === 'none') &&
    hasOwn(v, 'method') &&
    str(v.method, 1, 16) &&
    hasOwn(v, 'route') &&
    str(v.route, 0, 512) &&
    hasOwn(v, 'path') &&
    str(v.path, 0, 2048) &&
    hasOwn(v, 'status') &&
    typeof v.status === 'number' &&
    Number.isInteger(v.status) &&
    v.status >= 100 &&
    v.status <= 599 &&
    hasOwn(v, 'error_code') &&
    str(v.error_code, 0, 64) &&
    hasOwn(v, 'latency_ms') &&
    nonNegativeFinite(v.latency_ms) &&
    hasOwn(v, 'upstream_latency_ms') &&
    nonNegativeFinite(v.upstream_latency_ms) &&
    hasOwn(v, 'bytes_in') &&
    nonNegativeInt(v.bytes_in) &&
    hasOwn(v, 'bytes_out') &&
    nonNegativeInt(v.bytes_out) &&
    hasOwn(v, 'client_ip') &&
    str(v.client_ip, 0, 64) &&
    hasOwn(v, 'user_agent') &&
    str(v.user_agent, 0, 512) &&
    hasOwn(v, 'rate_limited') &&
    typeof v.rate_limited === 'boolean' &&
    hasOwn(v, 'idempotency_key') &&
    typeof v.idempotency_key === 'boolean' &&
    hasOwn(v, 'idempotent_replayed') &&
    typeof v.idempotent_replayed === 'boolean'
  );
}

const hasOwn = (o: object, key: string): boolean => Object.hasOwn(o, key);

/** UTF-16 length within bounds: never longer in code points, so zod agrees (it may accept more). */
function str(x: unknown, min: number, max: number): boolean {
  return typeof x === 'string' && x.length >= min && x.length <= max;
}

/** zod's `.int()` admits safe integers only. */
function nonNegativeInt(x: unknown): boolean {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/** zod's `z.number()` refuses NaN and ±Infinity. */
function nonNegativeFinite(x: unknown): boolean {
  return typeof x === 'number' && Number.isFinite(x) && x >= 0;
}
