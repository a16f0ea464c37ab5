import { ApiError } from '@gatehouse/shared';
import { GatewayErrors } from '../../errors.js';
import type { KeyCache } from '../../keys/key-cache.js';
import type { RequestContext } from '../../listener/context.js';
import type { Policy, PolicyResult } from '../chain.js';
import { createJwtVerifier, type JwtVerifier } from './jwt-verifier.js';
import { type AuthOptions, AuthOptionsSchema } from './schema.js';

/** The part of GW-CONTROL's key cache the request path uses: all synchronous, all in memory. */
export type KeyVerifier = Pick<KeyCache, 'verify' | 'planFor' | 'customerStatus'>;

export interface AuthDeps {
  keys: KeyVerifier;
  /** Failure reasons, for the `auth_failures_total{reason}` metric. */
  onFailure?: (reason: string) => void;
}

const API_KEY_PREFIX = 'gh_';

/**
 * Whether the scheme before `space` is "Bearer" in any case (RFC 9110: schemes are
 * case-insensitive). The canonical spelling is checked first: lower-casing a copy of the scheme
 * on every request was ~3 k instructions of the ~290 k a full-chain request costs.
 */
function isBearer(header: string, space: number): boolean {
  if (space !== 6) return false;
  return header.startsWith('Bearer') || header.slice(0, 6).toLowerCase() === 'bearer';
}

/**
 * Authenticates the caller on routes that require it:
 * - API key as `Authorization: Bearer <key>` or `X-API-Key: <key>`, checked against the
 *   in-memory key cache (no await, no database on the request path);
 * - JWT as `Authorization: Bearer <jwt>` when JWT is configured.
 * Missing → 401 `missing_credentials` + `WWW-Authenticate`; anything wrong with the presented
 * credentials (unknown, revoked, expired, disabled customer, bad JWT) → 401
 * `invalid_credentials` with no hint which (the reason goes to metrics only); valid but
 * lacking a scope the route requires → 403 `forbidden`.
 */
export function auth(deps: AuthDeps, options: AuthOptions = {}): Policy {
  const opts = AuthOptionsSchema.parse(options);
  const jwt: JwtVerifier | undefined = opts.jwt ? createJwtVerifier(opts.jwt) : undefined;
  const challenge = `Bearer realm="${opts.realm}"`;
  const missing = () =>
    new ApiError(GatewayErrors.missing_credentials, {
      headers: { 'www-authenticate': challenge },
    });

  function fail(ctx: RequestContext, reason: string): ApiError {
    deps.onFailure?.(reason);
    ctx.onAuthFailure?.(ctx);
    return new ApiError(GatewayErrors.invalid_credentials, {
      headers: { 'www-authenticate': `${challenge}, error="invalid_token"` },
    });
  }

  function authorize(ctx: RequestContext): PolicyResult {
    const scopes = ctx.route?.scopes ?? [];
    const granted = ctx.caller?.scopes ?? [];
    for (const s of scopes) {
      if (!granted.includes(s)) {
        deps.onFailure?.('forbidden');
        return new ApiError(GatewayErrors.forbidden, {
          message: `This route needs the scope "${s}".`,
          details: { required_scopes: scopes },
        });
      }
    }
    return undefined;
  }

  async function viaJwt(ctx: RequestContext, token: string): Promise<PolicyResult> {
    const check = await jwt!.verify(token);
    if (!check.ok) return fail(ctx, check.reason);
    const plan = deps.keys.planFor(check.customerId);
    if (!plan) {
      const status = deps.keys.customerStatus(check.customerId);
      return fail(ctx, status === 'disabled' ? 'customer_disabled' : 'jwt_unknown_customer');
    }
    ctx.caller = {
      method: 'jwt',
      customerId: check.customerId,
      keyId: '',
      scopes: check.scopes,
      plan,
    };
    return authorize(ctx);
  }

  return function authPolicy(ctx) {
    if (ctx.route?.auth === 'public') return undefined;
    const header = ctx.headers.authorization;
    let token: string | undefined;
    if (header !== undefined) {
      const space = header.indexOf(' ');
      if (space === -1 || !isBearer(header, space)) return fail(ctx, 'unsupported_scheme');
      token = header.slice(space + 1).trim();
    } else {
      const apiKey = ctx.headers['x-api-key'];
      token = typeof apiKey === 'string' ? apiKey.trim() : undefined;
    }
    if (!token) return missing();

    if (!token.startsWith(API_KEY_PREFIX) && jwt && token.split('.').length === 3) {
      return viaJwt(ctx, token);
    }
    const check = deps.keys.verify(token);
    if (!check.ok) return fail(ctx, check.reason);
    ctx.caller = {
      method: 'api_key',
      customerId: check.key.customerId,
      keyId: check.key.keyId,
      scopes: check.key.scopes,
      plan: check.key.plan,
    };
    return authorize(ctx);
  };
}
