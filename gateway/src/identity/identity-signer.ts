import { sign } from 'node:crypto';
import {
  IDENTITY_ALGORITHM,
  IDENTITY_AUDIENCE,
  IDENTITY_ISSUER,
  IDENTITY_TTL_SECONDS,
} from '@gatehouse/shared';
import type { IdentityKey } from './identity-key.js';

export interface IdentitySigner {
  /** A compact JWS for the caller; reused while more than half its lifetime is left. */
  tokenFor(customerId: string, keyId: string, scopes: readonly string[]): string;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Signs the identity token the api verifies (claims from `@gatehouse/shared` identity.ts).
 * Synchronous `crypto.sign` (Ed25519 is one fast call) rather than jose's async API so the
 * request path does not yield for it, and tokens are cached per caller for half their TTL:
 * a busy customer costs one signature per 30 s, not one per request.
 */
export function createIdentitySigner(
  key: IdentityKey,
  opts: { now?: () => number; maxCached?: number } = {},
): IdentitySigner {
  const now = opts.now ?? Date.now;
  const maxCached = opts.maxCached ?? 10_000;
  const header = b64({ alg: IDENTITY_ALGORITHM, typ: 'JWT', kid: key.kid });
  const cache = new Map<string, { token: string; refreshAt: number }>();
  // API-key callers: by key id (the key cache hands out the same id string every request, so
  // the lookup hashes nothing new), checked against the customer and the scopes ARRAY the
  // token was made for; any change to either misses and re-signs.
  const byKeyId = new Map<
    string,
    { customerId: string; scopes: readonly string[]; token: string; refreshAt: number }
  >();

  return {
    tokenFor(customerId, keyId, scopes) {
      const t = now();
      if (keyId !== '') {
        const k = byKeyId.get(keyId);
        if (k && k.refreshAt > t && k.customerId === customerId && k.scopes === scopes)
          return k.token;
      }
      const scope = scopes.join(' ');
      const cacheKey = `${customerId}\n${keyId}\n${scope}`;
      const hit = cache.get(cacheKey);
      if (hit && hit.refreshAt > t) {
        if (keyId !== '') remember(keyId, customerId, scopes, hit.token, hit.refreshAt);
        return hit.token;
      }
      const iat = Math.floor(t / 1000);
      const payload = b64({
        iss: IDENTITY_ISSUER,
        aud: IDENTITY_AUDIENCE,
        sub: customerId,
        key_id: keyId,
        scope,
        iat,
        exp: iat + IDENTITY_TTL_SECONDS,
      });
      const input = `${header}.${payload}`;
      const token = `${input}.${sign(null, Buffer.from(input), key.privateKey).toString('base64url')}`;
      const refreshAt = t + (IDENTITY_TTL_SECONDS * 1000) / 2;
      if (cache.size >= maxCached) cache.clear();
      cache.set(cacheKey, { token, refreshAt });
      if (keyId !== '') remember(keyId, customerId, scopes, token, refreshAt);
      return token;
    },
  };

  function remember(
    keyId: string,
    customerId: string,
    scopes: readonly string[],
    token: string,
    refreshAt: number,
  ): void {
    if (byKeyId.size >= maxCached) byKeyId.clear();
    byKeyId.set(keyId, { customerId, scopes, token, refreshAt });
  }
}
