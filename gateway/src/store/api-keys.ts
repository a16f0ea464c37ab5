import { generateApiKey } from '../keys/api-key.js';
import { toPage } from './customers.js';
import type { Queryable } from './db.js';
import type { ApiKeyRecord, Page, PageOptions } from './records.js';

/** Every column except the hash, which only the key cache reads (see key-data.ts). */
const KEY_COLUMNS =
  'key_id, customer_id, name, scopes, created_at, expires_at, revoked_at, rotated_from, updated_at';

export interface NewApiKey {
  customerId: string;
  name?: string | null | undefined;
  scopes?: string[] | undefined;
  expiresAt?: Date | null | undefined;
  rotatedFrom?: string | null | undefined;
}

/** A freshly created key: the record plus the full key, which exists only in this value. */
export interface CreatedApiKey {
  record: ApiKeyRecord;
  key: string;
}

export async function insertApiKey(q: Queryable, input: NewApiKey): Promise<CreatedApiKey> {
  const generated = generateApiKey();
  const { rows } = await q.query<ApiKeyRecord>(
    `INSERT INTO api_keys (key_id, hash, customer_id, name, scopes, expires_at, rotated_from)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     RETURNING ${KEY_COLUMNS}`,
    [
      generated.keyId,
      generated.hash,
      input.customerId,
      input.name ?? null,
      input.scopes ?? [],
      input.expiresAt ? input.expiresAt.toISOString() : null,
      input.rotatedFrom ?? null,
    ],
  );
  return { record: rows[0]!, key: generated.key };
}

export async function getApiKey(q: Queryable, keyId: string): Promise<ApiKeyRecord | undefined> {
  return (
    await q.query<ApiKeyRecord>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE key_id = $1`, [keyId])
  ).rows[0];
}

export async function listApiKeys(
  q: Queryable,
  customerId: string,
  page: PageOptions,
): Promise<Page<ApiKeyRecord>> {
  const { rows } = await q.query<ApiKeyRecord & { seq: number }>(
    `SELECT ${KEY_COLUMNS}, seq FROM api_keys
      WHERE customer_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    [customerId, page.afterSeq ?? 0, page.limit + 1],
  );
  return toPage(rows, page.limit);
}

/** Revoking twice keeps the first revoked_at. `undefined` when there is no such key. */
export async function revokeApiKey(q: Queryable, keyId: string): Promise<ApiKeyRecord | undefined> {
  const { rows } = await q.query<ApiKeyRecord>(
    `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()), updated_at = now()
      WHERE key_id = $1
      RETURNING ${KEY_COLUMNS}`,
    [keyId],
  );
  return rows[0];
}

export type RotateResult =
  | { ok: true; created: CreatedApiKey; previous: ApiKeyRecord }
  | { ok: false; reason: 'key_not_found' | 'key_revoked' | 'key_expired' | 'customer_disabled' };

/**
 * Issues a replacement key (same customer, name and scopes) and cuts the old key's life to
 * `graceSeconds` from now (never lengthens it). Runs inside the caller's transaction; the old
 * row is locked so two concurrent rotations cannot both succeed from the same key.
 */
export async function rotateApiKey(
  tx: Queryable,
  keyId: string,
  graceSeconds: number,
  expiresAt: Date | null,
): Promise<RotateResult> {
  const { rows } = await tx.query<ApiKeyRecord & { expired: boolean; customer_disabled: boolean }>(
    `SELECT k.customer_id, k.name, k.scopes, k.revoked_at,
            (k.expires_at IS NOT NULL AND k.expires_at <= now()) AS expired,
            (c.disabled_at IS NOT NULL) AS customer_disabled
       FROM api_keys k JOIN customers c ON c.id = k.customer_id
      WHERE k.key_id = $1
      FOR UPDATE OF k`,
    [keyId],
  );
  const old = rows[0];
  if (!old) return { ok: false, reason: 'key_not_found' };
  if (old.revoked_at) return { ok: false, reason: 'key_revoked' };
  if (old.expired) return { ok: false, reason: 'key_expired' };
  if (old.customer_disabled) return { ok: false, reason: 'customer_disabled' };
  const created = await insertApiKey(tx, {
    customerId: old.customer_id,
    name: old.name,
    scopes: old.scopes,
    expiresAt,
    rotatedFrom: keyId,
  });
  const previous = await tx.query<ApiKeyRecord>(
    `UPDATE api_keys
        SET expires_at = least(coalesce(expires_at, 'infinity'::timestamptz),
                               now() + make_interval(secs => $2)),
            updated_at = now()
      WHERE key_id = $1
      RETURNING ${KEY_COLUMNS}`,
    [keyId, graceSeconds],
  );
  return { ok: true, created, previous: previous.rows[0]! };
}
