import type { KeyData, KeyDataCustomer, KeyDataKey, KeyDataPlan } from '../keys/key-cache.js';
import type { Queryable } from './db.js';

/**
 * Rows written in a transaction carry that transaction's start time as updated_at, but only
 * become visible at commit. Re-reading this much of the past on every incremental refresh
 * catches rows whose transaction committed after the previous read; the cache applies rows
 * idempotently, so reading a row twice is harmless.
 */
const OVERLAP_MS = 5_000;

/**
 * What the key cache needs, in plain JSON-able values (times as epoch ms) so a snapshot can
 * also cross a process boundary (e.g. cluster IPC from a primary that owns PGlite).
 * Without `cursor`: everything. With it: rows changed since (minus the overlap).
 */
export async function readKeyData(q: Queryable, cursor?: string): Promise<KeyData> {
  const now = (await q.query<{ now: Date }>('SELECT clock_timestamp() AS now')).rows[0]!.now;
  const since = cursor === undefined ? null : new Date(Number(cursor) - OVERLAP_MS).toISOString();
  const where = since === null ? '' : 'WHERE updated_at > $1';
  const params = since === null ? [] : [since];
  const [plans, customers, keys] = [
    await q.query<KeyDataPlan>(
      `SELECT name, requests_per_minute, burst, requests_per_second, daily_quota
         FROM plans ${where}`,
      params,
    ),
    await q.query<KeyDataCustomer>(
      `SELECT id, plan, (disabled_at IS NOT NULL) AS disabled FROM customers ${where}`,
      params,
    ),
    await q.query<{
      key_id: string;
      customer_id: string;
      hash: string;
      scopes: string[];
      expires_at: Date | null;
      revoked_at: Date | null;
    }>(
      `SELECT key_id, customer_id, hash, scopes, expires_at, revoked_at FROM api_keys ${where}`,
      params,
    ),
  ];
  return {
    full: cursor === undefined,
    cursor: String(now.getTime()),
    plans: plans.rows,
    customers: customers.rows,
    keys: keys.rows.map(
      (k): KeyDataKey => ({
        keyId: k.key_id,
        customerId: k.customer_id,
        hash: k.hash,
        scopes: k.scopes,
        expiresAt: k.expires_at ? k.expires_at.getTime() : null,
        revokedAt: k.revoked_at ? k.revoked_at.getTime() : null,
      }),
    ),
  };
}
