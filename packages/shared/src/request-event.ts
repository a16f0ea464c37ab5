import { z } from 'zod';

/**
 * One analytics event per request the gateway answered, rejected ones included.
 * Built once in the gateway, validated again by the collector: the single schema both share.
 * Never carries secrets: the path's query string is redacted before it gets here.
 */
export const RequestEventSchema = z.object({
  request_id: z.string().min(1).max(128),
  /** W3C trace id (32 hex) or '' when the request was not traced. */
  trace_id: z.string().max(32),
  /** Unix epoch milliseconds when the gateway received the request. */
  ts_ms: z.number().int().nonnegative(),
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
 * Where the gateway's capture policy hands events. `push` never blocks and never throws:
 * the request path must not wait on analytics. Implementations are bounded and count drops.
 */
export interface EventSink {
  push(event: RequestEvent): void;
  /** Flush what can be flushed, then stop. Safe to call twice. */
  close(): Promise<void>;
}
