import { ApiError } from '@gatehouse/shared';
import { GatewayErrors } from '../errors.js';
import type { RequestContext } from './context.js';

/**
 * The data plane's one error writer: every rejection (policy, forwarder, unexpected throw)
 * leaves through here as the envelope, with the request id and the context's headers.
 * Unknown errors are hidden behind `internal_error`.
 */
export function sendError(ctx: RequestContext, error: unknown): void {
  const apiError =
    error instanceof ApiError
      ? error
      : new ApiError(GatewayErrors.internal_error, { cause: error });
  ctx.errorCode = apiError.code;
  const { res } = ctx;
  if (res.headersSent) {
    // The upstream's answer already started: the only honest signal left is a cut connection.
    res.destroy();
    return;
  }
  const body = JSON.stringify(apiError.toEnvelope(ctx.requestId || 'unknown'));
  const headers: Record<string, string | number> = {
    ...ctx.responseHeaders,
    ...apiError.headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  };
  ctx.bytesOut = Buffer.byteLength(body);
  res.writeHead(apiError.status, headers);
  res.end(ctx.method === 'HEAD' ? undefined : body);
}

/** A JSON success answered by the gateway itself (e.g. `GET /v1/usage`). */
export function sendJson(ctx: RequestContext, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  ctx.bytesOut = Buffer.byteLength(body);
  ctx.res.writeHead(status, {
    ...ctx.responseHeaders,
    'content-type': 'application/json; charset=utf-8',
    'content-length': ctx.bytesOut,
    'cache-control': 'no-store',
  });
  ctx.res.end(ctx.method === 'HEAD' ? undefined : body);
}
