import { ApiError } from '@gatehouse/shared';
import type { z } from 'zod';
import { GatewayErrors } from '../errors.js';
import { keyPrefix } from '../keys/api-key.js';
import type {
  ApiKeyRecord,
  CreatedApiKey,
  CustomerRecord,
  Page,
  PlanRecord,
} from '../store/gateway-store.js';
import type { ApiKeySchema, CreatedKeySchema, CustomerSchema, PlanSchema } from './schemas.js';

/** Store records → admin API shapes. Key shapes are built field by field: no hash can leak. */

export function planJson(p: PlanRecord): z.infer<typeof PlanSchema> {
  return {
    name: p.name,
    requests_per_minute: p.requests_per_minute,
    burst: p.burst,
    requests_per_second: p.requests_per_second,
    daily_quota: p.daily_quota,
    created_at: p.created_at.toISOString(),
  };
}

export function customerJson(c: CustomerRecord): z.infer<typeof CustomerSchema> {
  return {
    id: c.id,
    name: c.name,
    plan: c.plan,
    status: c.disabled_at ? 'disabled' : 'active',
    disabled_at: c.disabled_at?.toISOString() ?? null,
    created_at: c.created_at.toISOString(),
    updated_at: c.updated_at.toISOString(),
  };
}

export function keyJson(k: ApiKeyRecord, now = Date.now()): z.infer<typeof ApiKeySchema> {
  const status = k.revoked_at
    ? 'revoked'
    : k.expires_at && k.expires_at.getTime() <= now
      ? 'expired'
      : 'active';
  return {
    key_id: k.key_id,
    prefix: keyPrefix(k.key_id),
    customer_id: k.customer_id,
    name: k.name,
    scopes: k.scopes,
    status,
    created_at: k.created_at.toISOString(),
    expires_at: k.expires_at?.toISOString() ?? null,
    revoked_at: k.revoked_at?.toISOString() ?? null,
    rotated_from: k.rotated_from,
  };
}

export function createdKeyJson(created: CreatedApiKey): z.infer<typeof CreatedKeySchema> {
  return { ...keyJson(created.record), secret: created.key };
}

/** Cursors are opaque to clients: base64url of the last row's sequence number. */
export function encodeCursor(seq: number): string {
  return Buffer.from(`s:${seq}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const match = /^s:(\d{1,10})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  const seq = match ? Number(match[1]) : Number.NaN;
  if (!Number.isSafeInteger(seq) || seq > 2_147_483_647) {
    throw new ApiError(GatewayErrors.validation_failed, {
      field: 'cursor',
      message: 'cursor: not a cursor this API returned.',
    });
  }
  return seq;
}

export function pageJson<R, J>(page: Page<R>, toJson: (r: R) => J) {
  return {
    items: page.items.map(toJson),
    has_more: page.nextSeq !== null,
    next_cursor: page.nextSeq === null ? null : encodeCursor(page.nextSeq),
  };
}
