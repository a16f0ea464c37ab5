import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { EventSink, RequestEvent } from '@gatehouse/shared';
import type { RequestContext } from '../../listener/context.js';
import type { PlainAnswer } from '../../listener/servers.js';
import type { Policy } from '../chain.js';
import { redactQuery } from '../credentials-in-url/index.js';
import { type CaptureOptions, CaptureOptionsSchema } from './schema.js';

export interface CaptureDeps {
  sink: EventSink;
  /** Also handed every event (metrics); must not throw. */
  observe?: (event: RequestEvent) => void;
}

const clip = (s: string, max: number) => (s.length > max ? s.slice(0, max) : s);

/**
 * Milliseconds to the microsecond. performance.now() differences carry ~16 significant digits
 * (`0.7412345678901234`) that no latency chart or percentile uses; at three decimals an event's
 * line is ~25 bytes shorter and its numbers cheaper to write and to compress.
 */
export const toMicros = (ms: number) => Math.round(ms * 1000) / 1000;

/** The event for a finished (or aborted) request. Pure: exported for tests. */
export function buildEvent(ctx: RequestContext, instance: string, endedAt: number): RequestEvent {
  const status = ctx.res.statusCode >= 100 && ctx.res.statusCode <= 599 ? ctx.res.statusCode : 500;
  const ua = ctx.headers['user-agent'];
  return {
    request_id: clip(ctx.requestId || 'unknown', 128),
    trace_id: ctx.traceId,
    ts_ms: ctx.tsMs,
    instance,
    customer_id: ctx.caller?.customerId ?? '',
    key_id: ctx.caller?.keyId ?? '',
    auth_method: ctx.caller?.method ?? 'none',
    method: clip(ctx.method, 16),
    route: clip(ctx.routeTemplate, 512),
    path: clip(redactQuery(ctx.path, ctx.query), 2048),
    status,
    error_code: clip(ctx.errorCode, 64),
    latency_ms: toMicros(Math.max(0, endedAt - ctx.startedAt)),
    upstream_latency_ms: toMicros(ctx.upstreamLatencyMs),
    bytes_in: ctx.bytesIn,
    bytes_out: ctx.bytesOut,
    client_ip: clip(ctx.clientIp, 64),
    user_agent: typeof ua === 'string' ? clip(ua, 512) : '',
    rate_limited: ctx.rateLimited,
    idempotency_key: ctx.headers['idempotency-key'] !== undefined,
    idempotent_replayed: ctx.idempotentReplayed,
  };
}

/**
 * The event for an answer of the plain-HTTP port (426 or a redirect): those requests never
 * reach the policy chain, but operators still see who keeps calling over plain HTTP.
 */
export function plainHttpEvent(
  req: IncomingMessage,
  answer: PlainAnswer,
  instance: string,
): RequestEvent {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const ua = req.headers['user-agent'];
  return {
    request_id: answer.requestId,
    trace_id: '',
    ts_ms: answer.tsMs,
    instance,
    customer_id: '',
    key_id: '',
    auth_method: 'none',
    method: clip(req.method ?? 'GET', 16),
    route: '',
    path: clip(q < 0 ? url : redactQuery(url.slice(0, q), url.slice(q + 1)), 2048),
    status: answer.status,
    error_code: answer.errorCode,
    latency_ms: toMicros(Math.max(0, performance.now() - answer.startedAt)),
    upstream_latency_ms: 0,
    bytes_in: 0,
    bytes_out: answer.bytesOut,
    client_ip: clip(req.socket.remoteAddress ?? '', 64),
    user_agent: typeof ua === 'string' ? clip(ua, 512) : '',
    rate_limited: false,
    idempotency_key: req.headers['idempotency-key'] !== undefined,
    idempotent_replayed: false,
  };
}

/**
 * One event per request, rejected ones included: registered first in the chain, it builds the
 * event when the response is done (or the client went away) and hands it to the sink, whose
 * `push` never blocks. Nothing here is awaited by the request.
 */
export function capture(deps: CaptureDeps, options: CaptureOptions): Policy {
  const opts = CaptureOptionsSchema.parse(options);
  // One listener function for every response, finding its context on the response: a
  // closure (plus `once`'s wrapper) per request showed up in the bench profile.
  const kContext = Symbol('gatehouse.capture');
  function onClose(this: ServerResponse & { [kContext]?: RequestContext }): void {
    const ctx = this[kContext];
    if (ctx === undefined) return;
    this[kContext] = undefined;
    try {
      const event = buildEvent(ctx, opts.instance, performance.now());
      deps.sink.push(event);
      deps.observe?.(event);
    } catch {
      // Analytics must never take the data plane down; the sink counts its own drops.
    }
  }
  return function capturePolicy(ctx) {
    const res = ctx.res as ServerResponse & { [kContext]?: RequestContext };
    res[kContext] = ctx;
    res.on('close', onClose);
    return undefined;
  };
}

/** An in-memory sink for tests and for running without a collector (bounded, counts drops). */
export function createMemorySink(capacity = 10_000): EventSink & {
  events: RequestEvent[];
  dropped: number;
} {
  const sink = {
    events: [] as RequestEvent[],
    dropped: 0,
    push(event: RequestEvent) {
      if (sink.events.length >= capacity) {
        sink.dropped++;
        return;
      }
      sink.events.push(event);
    },
    async close() {},
  };
  return sink;
}

/** Discards everything: the sink when `COLLECTOR_URL` is unset. */
export const nullSink: EventSink = { push() {}, async close() {} };
