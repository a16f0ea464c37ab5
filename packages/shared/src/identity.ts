/**
 * How the gateway tells the orders API who the caller is: a short-lived JWT signed by the
 * gateway with an asymmetric key, verified by the api with `jose`. Any copy of this header
 * sent by a client is stripped by the gateway before forwarding.
 */
export const IDENTITY_HEADER = 'x-gatehouse-identity';
export const IDENTITY_ISSUER = 'gatehouse-gateway';
export const IDENTITY_AUDIENCE = 'orders-api';
export const IDENTITY_ALGORITHM = 'EdDSA';
export const IDENTITY_TTL_SECONDS = 60;

/** Claims carried by the identity token besides iss/aud/iat/exp. */
export interface IdentityClaims {
  /** The customer id. */
  sub: string;
  /** The API key id, or '' for JWT callers. */
  key_id: string;
  /** Space-separated scopes granted to the caller. */
  scope: string;
}
