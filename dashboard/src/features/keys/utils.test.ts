import { describe, expect, it } from 'vitest';
import { keyState, orderKeys } from './utils.js';

const NOW = Date.parse('2026-06-01T00:00:00Z');

describe('key state', () => {
  it('says revoked, expired, expiring (rotated, in grace) or active', () => {
    expect(keyState({ key_id: 'a', revoked_at: '2026-05-01T00:00:00Z' }, NOW)).toBe('revoked');
    expect(keyState({ key_id: 'b', expires_at: '2026-05-31T00:00:00Z' }, NOW)).toBe('expired');
    expect(keyState({ key_id: 'c', expires_at: '2026-06-02T00:00:00Z' }, NOW)).toBe('expiring');
    expect(keyState({ key_id: 'd' }, NOW)).toBe('active');
  });

  it('lists usable keys first, newest first', () => {
    const keys = [
      { key_id: 'old', created_at: '2026-01-01T00:00:00Z' },
      { key_id: 'gone', created_at: '2026-05-01T00:00:00Z', revoked_at: '2026-05-02T00:00:00Z' },
      { key_id: 'new', created_at: '2026-05-01T00:00:00Z' },
    ];
    expect(orderKeys(keys, NOW).map((k) => k.key_id)).toEqual(['new', 'old', 'gone']);
  });
});
