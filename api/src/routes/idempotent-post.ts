import type { Request, Response } from 'express';
import type { Database } from '../db/database.js';
import {
  parseIdempotencyKey,
  requestHash,
  runIdempotent,
  type StoredResponse,
} from '../orders/idempotency.js';
import { sendStored } from './respond.js';

/**
 * Idempotency-Key for a POST whose work is not a single order insert (batch, reports,
 * signups): the successful response is stored right after `run` returns.
 */
export async function idempotentPost(
  db: Database,
  req: Request,
  res: Response,
  run: () => Promise<StoredResponse>,
): Promise<void> {
  const key = parseIdempotencyKey(req.get('idempotency-key'));
  const { response, replayed } = await runIdempotent(
    db,
    { customerId: res.locals.customerId, key, hash: requestHash(req.method, req.path, req.body) },
    () => run(),
  );
  sendStored(res, response, replayed);
}
