import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ApiError } from '@gatehouse/shared';
import { ApiErrors } from '../errors.js';
import { newRequestId } from './request-id.js';

// pg/PGlite/network errors meaning "the database is not reachable right now" → 503.
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '57014', // query_canceled (statement timeout)
]);

function isUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && (UNAVAILABLE_CODES.has(e.code) || e.code.startsWith('08'))) {
    return true;
  }
  if (typeof e.message === 'string') {
    const m = e.message;
    if (
      m.includes('Connection terminated') ||
      // pg, on a pooled client whose connection broke mid-transaction (server shutting down):
      // "Client has encountered a connection error and is not queryable".
      m.includes('is not queryable') ||
      m.includes('timeout exceeded when trying to connect') ||
      m.includes('Cannot use a pool after calling end') ||
      m.includes('PGlite is closed')
    ) {
      return true;
    }
  }
  // AggregateError from net.connect when every address refused.
  if (Array.isArray(e.errors)) return e.errors.some(isUnavailable);
  return false;
}

/** Body-parser's errors carry a `type`; map them to catalogue entries. */
function fromBodyParser(err: unknown): ApiError | undefined {
  if (!err || typeof err !== 'object' || !('type' in err)) return undefined;
  switch ((err as { type: unknown }).type) {
    case 'entity.too.large':
      return new ApiError(ApiErrors.payload_too_large);
    case 'entity.parse.failed':
      return new ApiError(ApiErrors.invalid_json);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError(ApiErrors.unsupported_media_type);
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new ApiError(ApiErrors.invalid_json, {
        message: 'The request body could not be read.',
      });
    default:
      return undefined;
  }
}

/** Turns any thrown value into an ApiError; unknown errors become a bare 500. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const parsed = fromBodyParser(err);
  if (parsed) return parsed;
  // Express/http-errors client errors (e.g. a path that is not valid percent-encoding).
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500 && status !== 404) {
    return new ApiError(ApiErrors.invalid_request, { cause: err });
  }
  if (isUnavailable(err)) return new ApiError(ApiErrors.service_unavailable, { cause: err });
  return new ApiError(ApiErrors.internal_error, { cause: err });
}

/**
 * The api's one error handler: every failure leaves as the envelope. Only 5xx are logged
 * (with the cause); the client never sees a stack trace or an internal message.
 */
export function errorHandler(): ErrorRequestHandler {
  return function apiErrorHandler(err, _req, res, _next) {
    const apiErr = toApiError(err);
    const requestId = res.locals.requestId ?? newRequestId();
    if (apiErr.status >= 500) {
      res.locals.log?.error({ err: apiErr.cause ?? err, code: apiErr.code }, 'request failed');
    }
    if (res.headersSent) {
      // A streamed response already started: the only honest signal left is to cut it.
      res.destroy();
      return;
    }
    for (const [name, value] of Object.entries(apiErr.headers)) res.setHeader(name, value);
    if (apiErr.status === 503 && !res.getHeader('Retry-After')) res.setHeader('Retry-After', '1');
    res.setHeader('Cache-Control', 'no-store');
    res.status(apiErr.status).json(apiErr.toEnvelope(requestId));
  };
}

/** Unknown route → 404 `not_found`. */
export function notFound(): RequestHandler {
  return function routeNotFound(_req, _res, next) {
    next(new ApiError(ApiErrors.not_found));
  };
}

/** Known path, wrong method → 405 with `Allow` (OPTIONS answers 204 with the same header). */
export function methodNotAllowed(allowed: string[]): RequestHandler {
  const allow = [...new Set([...allowed, ...(allowed.includes('GET') ? ['HEAD'] : []), 'OPTIONS'])]
    .sort()
    .join(', ');
  return function wrongMethod(req, res, next) {
    res.setHeader('Allow', allow);
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next(new ApiError(ApiErrors.method_not_allowed, { headers: { Allow: allow } }));
  };
}
