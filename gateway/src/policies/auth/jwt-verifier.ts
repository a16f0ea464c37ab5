import { createPublicKey, type KeyObject } from 'node:crypto';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors as joseErrors,
  type JWK,
  type JWTPayload,
  jwtVerify,
} from 'jose';
import type { z } from 'zod';
import type { JwtSchema } from '../../config.js';

export type JwtOptions = z.infer<typeof JwtSchema>;

export type JwtCheck =
  | { ok: true; customerId: string; scopes: string[]; payload: JWTPayload }
  | { ok: false; reason: string };

export interface JwtVerifier {
  verify(token: string): Promise<JwtCheck>;
}

/**
 * JWT verification with `jose`. The algorithm allowlist is the defence against the two classic
 * forgeries: `alg: none`, and HS256 "signed" with the server's public key as the HMAC secret
 * (only asymmetric algorithms are accepted, so a public key is never used as a secret).
 * A JWKS URL is cached by jose and refetched on an unknown `kid` no more than once per
 * `jwksCooldownMs`, so a flood of made-up kids cannot hammer the identity provider.
 */
export function createJwtVerifier(opts: JwtOptions): JwtVerifier {
  const remote = opts.jwksUrl
    ? createRemoteJWKSet(new URL(opts.jwksUrl), {
        cooldownDuration: opts.jwksCooldownMs,
        cacheMaxAge: 10 * 60_000,
        timeoutDuration: 5000,
      })
    : undefined;
  const local =
    opts.publicKeys.length > 0
      ? createLocalJWKSet({ keys: opts.publicKeys.map((k, i) => toJwk(k, i)) })
      : undefined;

  return {
    async verify(token) {
      const verifyOpts = {
        algorithms: opts.algorithms,
        clockTolerance: opts.clockSkewSeconds,
        ...(opts.issuer ? { issuer: opts.issuer } : {}),
        ...(opts.audience ? { audience: opts.audience } : {}),
      };
      let payload: JWTPayload;
      try {
        if (local) {
          try {
            payload = (await jwtVerify(token, local, verifyOpts)).payload;
          } catch (error) {
            // A token for a kid the static keys do not know may still be in the JWKS.
            if (!remote || !(error instanceof joseErrors.JWKSNoMatchingKey)) throw error;
            payload = (await jwtVerify(token, remote, verifyOpts)).payload;
          }
        } else {
          payload = (await jwtVerify(token, remote!, verifyOpts)).payload;
        }
      } catch (error) {
        return { ok: false, reason: reasonOf(error) };
      }
      // exp is required: a token that never expires is a key that cannot be revoked.
      if (typeof payload.exp !== 'number') return { ok: false, reason: 'jwt_no_exp' };
      const customer = payload[opts.customerClaim];
      if (typeof customer !== 'string' || customer === '') {
        return { ok: false, reason: 'jwt_no_customer' };
      }
      const scope = payload.scope;
      const scopes = typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [];
      return { ok: true, customerId: customer, scopes, payload };
    },
  };
}

function toJwk(key: string | Record<string, unknown>, index: number): JWK {
  const object: KeyObject =
    typeof key === 'string'
      ? createPublicKey(key)
      : createPublicKey({ key: key as unknown as import('node:crypto').JsonWebKey, format: 'jwk' });
  if (object.type !== 'public') throw new Error(`JWT public key #${index} is not a public key.`);
  const jwk = object.export({ format: 'jwk' }) as JWK;
  const kid = typeof key === 'object' && typeof key.kid === 'string' ? key.kid : undefined;
  return kid ? { ...jwk, kid } : jwk;
}

/** A short, stable reason for metrics and logs (never the token). */
function reasonOf(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'jwt_expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `jwt_claim_${error.claim}`;
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'jwt_alg_not_allowed';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'jwt_unknown_kid';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'jwt_bad_signature';
  if (error instanceof joseErrors.JWKSTimeout) return 'jwt_jwks_timeout';
  return 'jwt_invalid';
}
