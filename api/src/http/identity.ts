import type { RequestHandler } from 'express';
import {
  createRemoteJWKSet,
  errors as joseErrors,
  importSPKI,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import {
  ApiError,
  IDENTITY_ALGORITHM,
  IDENTITY_AUDIENCE,
  IDENTITY_HEADER,
  IDENTITY_ISSUER,
} from '@gatehouse/shared';
import { ApiErrors } from '../errors.js';

export interface IdentityOptions {
  /** PEM (SPKI) of the gateway's public key; wins over `jwksUrl`. */
  publicKeyPem?: string | undefined;
  jwksUrl?: string | undefined;
  /** Development mode: a request without a token acts as this customer. */
  devCustomer?: string | undefined;
}

type KeySource = Awaited<ReturnType<typeof importSPKI>> | JWTVerifyGetKey;

/** The gateway mints tokens for IDENTITY_TTL_SECONDS (60 s); allow generous skew, no more. */
export const MAX_TOKEN_LIFETIME_SECONDS = 300;

const VERIFY_OPTIONS = {
  algorithms: [IDENTITY_ALGORITHM],
  issuer: IDENTITY_ISSUER,
  audience: IDENTITY_AUDIENCE,
  requiredClaims: ['exp', 'sub'],
  // Gateway and api clocks may differ slightly; the token lives about a minute.
  clockTolerance: 5,
};

/**
 * Verifies the gateway-signed identity token (`x-gatehouse-identity`: EdDSA JWT, issuer
 * `gatehouse-gateway`, audience `orders-api`, short `exp`) and sets `res.locals.customerId`
 * to its `sub`. Missing or invalid → 401. The key is resolved once, when built.
 */
export async function identity(opts: IdentityOptions): Promise<RequestHandler> {
  let key: KeySource;
  if (opts.publicKeyPem) {
    key = await importSPKI(opts.publicKeyPem, IDENTITY_ALGORITHM);
  } else if (opts.jwksUrl) {
    key = createRemoteJWKSet(new URL(opts.jwksUrl), {
      timeoutDuration: 2000,
      cooldownDuration: 5000,
    });
  } else {
    throw new Error('identity: set a gateway public key or a JWKS URL');
  }
  const devCustomer = opts.devCustomer;

  return async function verifyIdentity(req, res, next) {
    const token = req.get(IDENTITY_HEADER);
    if (!token) {
      if (devCustomer) {
        res.locals.customerId = devCustomer;
        return next();
      }
      return next(new ApiError(ApiErrors.unauthorized, { message: 'Missing identity token.' }));
    }
    try {
      const { payload } =
        typeof key === 'function'
          ? await jwtVerify(token, key, VERIFY_OPTIONS)
          : await jwtVerify(token, key, VERIFY_OPTIONS);
      // Short-lived by contract: a token valid for much longer was not minted by our gateway
      // for one request (or was minted by a misconfigured one), so it is not accepted.
      const lifetime = (payload.exp ?? 0) - Math.floor(Date.now() / 1000);
      if (lifetime > MAX_TOKEN_LIFETIME_SECONDS) {
        return next(new ApiError(ApiErrors.unauthorized, { message: 'Invalid identity token.' }));
      }
      if (typeof payload.sub !== 'string' || payload.sub === '' || payload.sub.length > 128) {
        return next(new ApiError(ApiErrors.unauthorized, { message: 'Invalid identity token.' }));
      }
      res.locals.customerId = payload.sub;
      next();
    } catch (err) {
      // The key set could not be fetched: our dependency is down, not the caller's fault.
      if (err instanceof joseErrors.JWKSTimeout || isFetchFailure(err)) {
        return next(new ApiError(ApiErrors.service_unavailable, { cause: err }));
      }
      next(new ApiError(ApiErrors.unauthorized, { message: 'Invalid identity token.' }));
    }
  };
}

function isFetchFailure(err: unknown): boolean {
  return (
    err instanceof TypeError &&
    (err.message.includes('fetch failed') || err.message.includes('Failed to fetch'))
  );
}
