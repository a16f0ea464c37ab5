import type { AdminKey } from '../../api/admin/types.js';

export type KeyState = 'active' | 'expiring' | 'expired' | 'revoked';

/** What a key's row says: revoked wins, then expiry (a rotated key expires after its grace). */
export function keyState(key: AdminKey, nowMs: number): KeyState {
  if (key.revoked_at || key.status === 'revoked') return 'revoked';
  if (key.expires_at) {
    const t = Date.parse(key.expires_at);
    if (!Number.isNaN(t)) return t <= nowMs ? 'expired' : 'expiring';
  }
  if (key.status === 'expired') return 'expired';
  return 'active';
}

/** Active keys first, then by creation time, newest first. */
export function orderKeys(keys: readonly AdminKey[], nowMs: number): AdminKey[] {
  const rank: Record<KeyState, number> = { active: 0, expiring: 1, expired: 2, revoked: 3 };
  return [...keys].sort(
    (a, b) =>
      rank[keyState(a, nowMs)] - rank[keyState(b, nowMs)] ||
      (Date.parse(b.created_at ?? '') || 0) - (Date.parse(a.created_at ?? '') || 0),
  );
}
