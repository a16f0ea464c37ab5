/**
 * The Idempotency-Key protocol for POST requests:
 *
 * 1. Claim (customer, key) as 'running' in its own short transaction. A concurrent duplicate
 *    finds the claim and gets 409 `idempotency_key_in_use`; PostgreSQL's unique index makes
 *    two simultaneous claims resolve to exactly one winner.
 * 2. Run the request. Where the resource is created (orders), the response is stored as
 *    'completed' inside the same transaction as the resource; other POSTs store it right
 *    after.
 * 3. Later requests with the same key and the same body hash get the stored response
 *    replayed byte for byte with `Idempotent-Replayed: true`; a different body gets 422
 *    `idempotency_key_reused`.
 *
 * Only successful (2xx) responses are stored. A request that fails releases its claim, so
 * a client that fixes its request may retry with the same key. Records expire after 24 h.
 */
import { createHash } from 'node:crypto';
import { ApiError } from '@gatehouse/shared';
import type { Database, Queryable } from '../db/database.js';
import { ApiErrors } from '../errors.js';
import { claimKey, completeKey, releaseKey, type StoredResponse } from './idempotency-store.js';

export type { StoredResponse };

const VALID_KEY = /^[\x21-\x7e]{1,255}$/;

export function parseIdempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!VALID_KEY.test(header)) {
    throw new ApiError(ApiErrors.validation_failed, {
      field: 'Idempotency-Key',
      message: 'Idempotency-Key: 1 to 255 visible ASCII characters.',
      details: [
        {
          field: 'Idempotency-Key',
          code: 'invalid_header',
          message: '1 to 255 visible ASCII characters.',
        },
      ],
    });
  }
  return header;
}

/** Canonical JSON (sorted keys), so key order and whitespace do not make a "different body". */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function requestHash(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${path}\n${canonical(body)}`)
    .digest('hex');
}

export interface IdempotentResult {
  response: StoredResponse;
  replayed: boolean;
}

/**
 * Runs `execute` at most once per (customer, key). `execute` receives `complete`, which it
 * may call inside its own transaction to store the response atomically with its writes; if
 * it does not, the response is stored after it returns.
 */
export async function runIdempotent(
  db: Database,
  scope: { customerId: string; key: string | undefined; hash: string },
  execute: (
    complete: (tx: Queryable, response: StoredResponse) => Promise<void>,
  ) => Promise<StoredResponse>,
): Promise<IdempotentResult> {
  const { customerId, key, hash } = scope;
  if (key === undefined) return { response: await execute(async () => {}), replayed: false };

  const claim = await db.transaction((tx) => claimKey(tx, customerId, key, hash));
  if (claim.kind !== 'claimed') {
    if (claim.requestHash !== hash)
      throw new ApiError(ApiErrors.idempotency_key_reused, { field: 'Idempotency-Key' });
    if (claim.kind === 'running') {
      throw new ApiError(ApiErrors.idempotency_key_in_use, { headers: { 'Retry-After': '1' } });
    }
    return { response: claim.response, replayed: true };
  }

  let stored = false;
  try {
    const response = await execute(async (tx, r) => {
      if (r.status >= 200 && r.status < 300) {
        await completeKey(tx, customerId, key, r);
        stored = true;
      }
    });
    if (!stored && response.status >= 200 && response.status < 300) {
      await completeKey(db, customerId, key, response);
    } else if (!stored) {
      await releaseKey(db, customerId, key);
    }
    return { response, replayed: false };
  } catch (err) {
    await releaseKey(db, customerId, key).catch(() => {});
    throw err;
  }
}
