/**
 * Idempotency-Key records (table `idempotency_keys`), per customer. See `idempotency.ts`
 * for the protocol; this file holds only the SQL.
 */
import type { Queryable } from '../db/database.js';

export const IDEMPOTENCY_TTL_HOURS = 24;
/** A 'running' claim older than this is from a crashed process and may be taken over. */
export const STALE_CLAIM_SECONDS = 60;

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type ClaimResult =
  | { kind: 'claimed' }
  | { kind: 'completed'; requestHash: string; response: StoredResponse }
  | { kind: 'running'; requestHash: string };

interface KeyRow {
  request_hash: string;
  state: 'running' | 'completed';
  response_status: number | null;
  response_headers: Record<string, string> | null;
  response_body: string | null;
}

/**
 * Claims (customer, key) for a new request. Expired rows and stale claims with the same
 * hash are replaced. Returns what is already there when the claim fails.
 */
export async function claimKey(
  db: Queryable,
  customerId: string,
  key: string,
  requestHash: string,
): Promise<ClaimResult> {
  // An expired record no longer counts: drop it so the key can be used again.
  await db.query(
    `DELETE FROM idempotency_keys WHERE customer_id = $1 AND idempotency_key = $2
       AND created_at < now() - make_interval(hours => $3)`,
    [customerId, key, IDEMPOTENCY_TTL_HOURS],
  );
  const inserted = await db.query(
    `INSERT INTO idempotency_keys (customer_id, idempotency_key, request_hash, state)
     VALUES ($1, $2, $3, 'running')
     ON CONFLICT (customer_id, idempotency_key) DO NOTHING
     RETURNING 1 AS ok`,
    [customerId, key, requestHash],
  );
  if (inserted.rows.length > 0) return { kind: 'claimed' };

  // A claim left behind by a crashed request is taken over by the same request.
  const retaken = await db.query(
    `UPDATE idempotency_keys SET locked_at = now()
     WHERE customer_id = $1 AND idempotency_key = $2 AND state = 'running' AND request_hash = $3
       AND locked_at < now() - make_interval(secs => $4)
     RETURNING 1 AS ok`,
    [customerId, key, requestHash, STALE_CLAIM_SECONDS],
  );
  if (retaken.rows.length > 0) return { kind: 'claimed' };

  const existing = await db.query<KeyRow>(
    `SELECT request_hash, state, response_status, response_headers, response_body
     FROM idempotency_keys WHERE customer_id = $1 AND idempotency_key = $2`,
    [customerId, key],
  );
  const row = existing.rows[0];
  // Deleted between our insert attempt and this read (released by a failed request): retry.
  if (!row) return claimKey(db, customerId, key, requestHash);
  if (row.state === 'completed') {
    return {
      kind: 'completed',
      requestHash: row.request_hash,
      response: {
        status: row.response_status ?? 200,
        headers: row.response_headers ?? {},
        body: row.response_body ?? '',
      },
    };
  }
  return { kind: 'running', requestHash: row.request_hash };
}

/** Stores the response; called inside the transaction that created the resource. */
export async function completeKey(
  db: Queryable,
  customerId: string,
  key: string,
  response: StoredResponse,
): Promise<void> {
  await db.query(
    `UPDATE idempotency_keys
     SET state = 'completed', response_status = $3, response_headers = $4::jsonb, response_body = $5
     WHERE customer_id = $1 AND idempotency_key = $2`,
    [customerId, key, response.status, JSON.stringify(response.headers), response.body],
  );
}

/** A request that failed frees its key, so the client can fix the request and retry. */
export async function releaseKey(db: Queryable, customerId: string, key: string): Promise<void> {
  await db.query(
    `DELETE FROM idempotency_keys WHERE customer_id = $1 AND idempotency_key = $2 AND state = 'running'`,
    [customerId, key],
  );
}

/** Deletes records older than 24 h; returns how many. */
export async function purgeExpiredKeys(db: Queryable): Promise<number> {
  const res = await db.query(
    `DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)`,
    [IDEMPOTENCY_TTL_HOURS],
  );
  return res.rowCount;
}
