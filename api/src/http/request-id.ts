import { randomBytes } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import './context.js';

// A caller's id is kept only when it is safe to echo and to log: short, no spaces or controls.
const VALID_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

export function newRequestId(): string {
  return `req_${randomBytes(12).toString('hex')}`;
}

/**
 * Gives every request an id (the caller's `X-Request-Id` when valid, else a new one), echoes
 * it, and logs one line when the response finishes.
 */
export function requestContext(logger: Logger): RequestHandler {
  return function requestContextMiddleware(req, res, next) {
    const incoming = req.get('x-request-id');
    const requestId = incoming && VALID_REQUEST_ID.test(incoming) ? incoming : newRequestId();
    res.locals.requestId = requestId;
    res.locals.log = logger.child({ request_id: requestId });
    res.setHeader('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      res.locals.log.info(
        {
          method: req.method,
          path: req.path,
          status: res.statusCode,
          duration_ms: Number(process.hrtime.bigint() - started) / 1e6,
          customer_id: res.locals.customerId,
          batch: res.locals.inBatch || undefined,
        },
        'request',
      );
    });
    next();
  };
}
