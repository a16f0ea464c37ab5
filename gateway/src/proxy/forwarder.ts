import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Transform, type TransformCallback } from 'node:stream';
import { ApiError, IDENTITY_HEADER } from '@gatehouse/shared';
import { type Dispatcher, Pool } from 'undici';
import { GatewayErrors } from '../errors.js';
import type { IdentitySigner } from '../identity/identity-signer.js';
import type { RequestContext } from '../listener/context.js';
import { sendError } from '../listener/respond.js';
import { payloadTooLarge } from '../policies/body-limit/index.js';
import { outgoingTraceparent } from '../policies/request-id/index.js';

/**
 * The forwarder: `node:http` in, an `undici` Pool (keep-alive, one per upstream origin) out.
 * Chosen over `http-proxy-middleware` by measurement (PERF-BASELINE.md and the note in
 * gateway/README.md): ~2x the throughput with every behaviour kept, because undici's pool
 * skips the per-request agent/socket bookkeeping of `http.request` that http-proxy rides on.
 */
export interface Forwarder {
  /**
   * Sends the request upstream and streams the answer into `ctx.res`; every failure is
   * answered through `sendError` (or a cut connection), never thrown, so the data plane needs
   * no promise per request.
   */
  forward(ctx: RequestContext): void;
  close(): Promise<void>;
}

export interface ForwarderOptions {
  upstreams: readonly string[];
  timeoutMs: number;
  maxBodyBytes: number;
  signer: IdentitySigner;
  /** Upstream failures by kind, for metrics. */
  onUpstreamError?: (kind: 'timeout' | 'unavailable', error: unknown) => void;
  connections?: number;
}

/** RFC 9110 §7.6.1 hop-by-hop headers, plus headers that only make sense on one hop. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

/**
 * Request headers never forwarded: the caller's credentials (the upstream gets the gateway's
 * identity token instead, so a key never travels further than it must) and any identity
 * header a client made up: the only identity the upstream sees is one the gateway signed.
 * The forwarding, request-id and trace headers are not copied either: the gateway writes its
 * own (`x-forwarded-for` extended with the client's address).
 */
function isStrippedRequestHeader(name: string): boolean {
  return (
    HOP_BY_HOP.has(name) ||
    name === 'authorization' ||
    name === 'x-api-key' ||
    name === IDENTITY_HEADER ||
    name.startsWith('x-gatehouse-') ||
    name === 'x-forwarded-proto' ||
    name === 'x-forwarded-host' ||
    name === 'x-forwarded-for' ||
    name === 'x-request-id' ||
    name === 'traceparent'
  );
}

function connectionListed(value: string | string[] | undefined): Set<string> | undefined {
  // Nearly every request and response says only `keep-alive` (or `close`), which lists nothing.
  if (!value || value === 'keep-alive' || value === 'close') return undefined;
  const list = (Array.isArray(value) ? value.join(',') : value)
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s && s !== 'close' && s !== 'keep-alive');
  return list.length > 0 ? new Set(list) : undefined;
}

/**
 * The request's headers for the upstream, as undici's flat `[name, value, …]` list: a list
 * rather than an object built per request, for the same reason as `responseHeaders`.
 */
export function upstreamRequestHeaders(ctx: RequestContext, signer: IdentitySigner): string[] {
  const inHeaders = ctx.headers;
  const extraHop = connectionListed(inHeaders.connection);
  const out: string[] = [];
  for (const name in inHeaders) {
    if (isStrippedRequestHeader(name) || extraHop?.has(name)) continue;
    const value = inHeaders[name];
    if (typeof value === 'string') out.push(name, value);
    // Only `set-cookie` arrives as a list (Node joins the rest): one line per value, as sent.
    else if (value !== undefined) for (const v of value) out.push(name, v);
  }
  const prior = inHeaders['x-forwarded-for'];
  out.push(
    'x-forwarded-for',
    prior ? `${prior}, ${ctx.clientIp}` : ctx.clientIp,
    'x-forwarded-proto',
    ctx.secure ? 'https' : 'http',
  );
  if (inHeaders.host) out.push('x-forwarded-host', inHeaders.host);
  out.push(
    'x-request-id',
    ctx.requestId,
    'traceparent',
    outgoingTraceparent(ctx.traceId, ctx.spanId, ctx.traceFlags),
  );
  if (ctx.caller) {
    out.push(
      IDENTITY_HEADER,
      signer.tokenFor(ctx.caller.customerId, ctx.caller.keyId, ctx.caller.scopes),
    );
  }
  return out;
}

/**
 * The answer's headers as Node's flat `[name, value, …]` list: the upstream's less hop-by-hop,
 * then the gateway's own (request id, HSTS, rate limit), which replace an upstream header of
 * the same name. A list rather than a merged object: `writeHead` walks it by index, where an
 * object built per request cost a megamorphic keyed load and store per header on both sides
 * (~5 k instructions of a ~250 k request in the bench's callgrind count).
 */
export function responseHeaders(
  upstream: IncomingHttpHeaders,
  ours: Record<string, string>,
): (string | string[])[] {
  const extraHop = connectionListed(upstream.connection);
  const out: (string | string[])[] = [];
  for (const name in upstream) {
    if (HOP_BY_HOP.has(name) || extraHop?.has(name) || Object.hasOwn(ours, name)) continue;
    const value = upstream[name];
    if (value !== undefined) out.push(name, value);
  }
  for (const name in ours) out.push(name, ours[name]!);
  return out;
}

class BodyTooLarge extends Error {}

/** Why the forwarder aborted an upstream exchange itself: the client went away. */
class ClientGone extends Error {}

/** Counts the streamed body and cuts it at the limit (chunked bodies declare no length). */
function countingBody(ctx: RequestContext, max: number): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      ctx.bytesIn += chunk.length;
      if (ctx.bytesIn > max) cb(new BodyTooLarge('request body over the limit'));
      else cb(null, chunk);
    },
  });
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const kHandler = Symbol('gatehouse.forwardHandler');
type ResponseWithHandler = ServerResponse & { [kHandler]?: ForwardHandler };

/** The one `close` listener for every response: finds that exchange's handler on the response. */
function onResponseClose(this: ResponseWithHandler): void {
  this[kHandler]?.clientClosed();
}

/**
 * One upstream exchange, written straight into `res` (no per-request AbortController, response
 * Readable or pipe). A class rather than closures: the bench profile showed the per-request
 * closures of the earlier version, each renamed by tsx's `__name` (an `Object.defineProperty`
 * per closure), at ~2 µs of every request.
 */
class ForwardHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined = undefined;
  private headersSent = false;
  private countBytes = false;
  private waitingDrain = false;
  private settled = false;
  private readonly sentAt = performance.now();

  constructor(
    private readonly ctx: RequestContext,
    private readonly opts: ForwarderOptions,
  ) {
    const res = ctx.res as ResponseWithHandler;
    res[kHandler] = this;
    res.on('close', onResponseClose);
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    const res = this.ctx.res as ResponseWithHandler;
    res.off('close', onResponseClose);
    res[kHandler] = undefined;
  }

  /** The client left: stop the upstream exchange; nobody is left to answer. */
  clientClosed(): void {
    if (!this.ctx.res.writableFinished) this.controller?.abort(new ClientGone());
    this.settle();
  }

  onRequestStart(c: Dispatcher.DispatchController): void {
    this.controller = c;
    if (this.settled) c.abort(new ClientGone());
  }

  onResponseStart(
    _c: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    if (statusCode < 200) return; // 1xx: informational, the real answer follows
    const ctx = this.ctx;
    ctx.upstreamLatencyMs = performance.now() - this.sentAt;
    if (headers['idempotent-replayed'] === 'true') ctx.idempotentReplayed = true;
    const len = headers['content-length'];
    if (typeof len === 'string') ctx.bytesOut = Number(len);
    else this.countBytes = true;
    ctx.res.writeHead(statusCode, responseHeaders(headers, ctx.responseHeaders));
    this.headersSent = true;
  }

  onResponseData(c: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.countBytes) this.ctx.bytesOut += chunk.length;
    if (!this.ctx.res.write(chunk) && !this.waitingDrain) {
      this.waitingDrain = true;
      c.pause();
      this.ctx.res.once('drain', () => {
        this.waitingDrain = false;
        c.resume();
      });
    }
  }

  onResponseEnd(): void {
    this.ctx.res.end();
    this.settle();
  }

  onResponseError(_c: Dispatcher.DispatchController, error: Error): void {
    const ctx = this.ctx;
    if (ctx.upstreamLatencyMs === 0) ctx.upstreamLatencyMs = performance.now() - this.sentAt;
    if (this.settled || error instanceof ClientGone) {
      this.settle();
      return;
    }
    // Mid-body failure: the status line is gone, so cutting the connection is all that's left.
    if (this.headersSent) ctx.res.destroy();
    else sendError(ctx, classify(error, ctx, this.opts));
    this.settle();
  }
}

export function createForwarder(opts: ForwarderOptions): Forwarder {
  const pools = new Map<string, Pool>();
  for (const origin of opts.upstreams) {
    pools.set(
      origin,
      new Pool(origin, {
        connections: opts.connections ?? 256,
        keepAliveTimeout: 30_000,
        connect: { timeout: Math.min(opts.timeoutMs, 10_000) },
        headersTimeout: opts.timeoutMs,
        bodyTimeout: opts.timeoutMs,
      }),
    );
  }

  function forward(ctx: RequestContext): void {
    const pool = pools.get(ctx.route!.upstream)!;
    const { req, headers } = ctx;
    const hasBody =
      (headers['content-length'] !== undefined && headers['content-length'] !== '0') ||
      headers['transfer-encoding'] !== undefined;
    let body: Transform | undefined;
    if (hasBody) {
      body = countingBody(ctx, opts.maxBodyBytes);
      req.pipe(body);
      // Hand undici the counted stream; a client that aborts mid-body aborts the upstream too.
      req.once('error', (e) => body!.destroy(e));
    }
    const handler = new ForwardHandler(ctx, opts);
    pool.dispatch(
      {
        path: ctx.query ? `${ctx.path}?${ctx.query}` : ctx.path,
        method: ctx.method as Dispatcher.HttpMethod,
        headers: upstreamRequestHeaders(ctx, opts.signer),
        body: body ?? null,
      },
      handler,
    );
  }

  return {
    forward,
    async close() {
      await Promise.all([...pools.values()].map((p) => p.close()));
    },
  };
}

function classify(error: unknown, ctx: RequestContext, opts: ForwarderOptions): ApiError {
  if (error instanceof BodyTooLarge || ctx.bytesIn > opts.maxBodyBytes) {
    return payloadTooLarge(opts.maxBodyBytes);
  }
  const code = (error as { code?: string }).code ?? '';
  if (TIMEOUT_CODES.has(code)) {
    opts.onUpstreamError?.('timeout', error);
    return new ApiError(GatewayErrors.upstream_timeout, { cause: error });
  }
  opts.onUpstreamError?.('unavailable', error);
  return new ApiError(GatewayErrors.upstream_unavailable, { cause: error });
}
