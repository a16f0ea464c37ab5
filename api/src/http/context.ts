import type { Logger } from 'pino';

/**
 * What the middleware chain learns about a request, kept on `res.locals` so that a batch
 * sub-request (dispatched through the same app) carries its own copy.
 */
declare global {
  namespace Express {
    interface Locals {
      requestId: string;
      log: Logger;
      /** Set by the identity middleware for /v1 routes. */
      customerId: string;
      /** True for sub-requests dispatched by POST /v1/batch. */
      inBatch?: boolean;
    }
  }
}
