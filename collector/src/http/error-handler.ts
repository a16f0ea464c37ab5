/**
 * The collector's one error handler: every failure becomes the shared envelope. Only 5xx are
 * logged; unknown errors are hidden behind `internal_error`.
 */
import { ApiError } from '@gatehouse/shared';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { CollectorErrors } from '../errors.js';
import { requestIdOf } from './request-id.js';

/** Maps errors thrown by body parsers (express.raw) to catalogue entries. */
function fromParserError(err: unknown): ApiError | undefined {
  const e = err as { type?: string; status?: number };
  if (e?.type === 'entity.too.large') return new ApiError(CollectorErrors.payload_too_large);
  if (e?.type === 'encoding.unsupported') return new ApiError(CollectorErrors.unsupported_encoding);
  if (e?.type === 'request.aborted')
    return new ApiError(CollectorErrors.validation_failed, {
      message: 'The request body was cut short.',
    });
  return undefined;
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return function handleError(err, req, res, _next) {
    const requestId = requestIdOf(req);
    const apiError =
      err instanceof ApiError
        ? err
        : (fromParserError(err) ?? new ApiError(CollectorErrors.internal_error, { cause: err }));
    if (apiError.status >= 500)
      log.error({ err, request_id: requestId, path: req.path }, apiError.message);
    for (const [k, v] of Object.entries(apiError.headers)) res.setHeader(k, v);
    res.status(apiError.status).json(apiError.toEnvelope(requestId));
  };
}

export const notFound: RequestHandler = function notFound(_req, _res, next) {
  next(new ApiError(CollectorErrors.not_found));
};
