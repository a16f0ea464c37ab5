/**
 * The gateway's error catalogue: every code the data plane and the admin API can answer with,
 * grouped by area. Callers build `new ApiError(GatewayErrors.<code>, …)`; the one error writer
 * per surface (`listener/respond.ts` for the data plane, the admin app's handler) turns it into
 * the envelope. Nothing else defines error codes.
 */
import { CommonErrors, type ErrorSpec } from '@gatehouse/shared';

export const GatewayErrors = {
  ...CommonErrors,

  // transport
  https_required: {
    code: 'https_required',
    status: 426,
    message: 'This port only answers over HTTPS; use the HTTPS port.',
  },
  request_timeout: {
    code: 'request_timeout',
    status: 408,
    message: 'The request was not received in time.',
  },

  invalid_path: {
    code: 'invalid_path',
    status: 400,
    message: 'The path contains dot segments or is not a valid absolute path.',
  },

  // credentials and authentication
  credentials_in_url: {
    code: 'credentials_in_url',
    status: 400,
    message:
      'Credentials must not be sent in the URL; send the key in the Authorization header. Treat the key as leaked and rotate it.',
  },
  missing_credentials: {
    code: 'missing_credentials',
    status: 401,
    message: 'Send an API key as `Authorization: Bearer <key>` (or `X-API-Key`), or a JWT.',
  },
  invalid_credentials: {
    code: 'invalid_credentials',
    status: 401,
    message: 'The credentials are not valid.',
  },
  too_many_auth_failures: {
    code: 'too_many_auth_failures',
    status: 429,
    message: 'Too many failed authentication attempts from this address; retry later.',
  },

  // rate limits
  rate_limited: {
    code: 'rate_limited',
    status: 429,
    message: 'Rate limit exceeded; retry after the time in Retry-After.',
  },
  quota_exceeded: {
    code: 'quota_exceeded',
    status: 429,
    message: 'The daily request quota of your plan is used up.',
  },

  // upstream
  upstream_timeout: {
    code: 'upstream_timeout',
    status: 504,
    message: 'The upstream did not answer in time.',
  },
  upstream_unavailable: {
    code: 'upstream_unavailable',
    status: 502,
    message: 'The upstream is unavailable.',
  },

  // usage (GET /v1/usage)
  usage_unavailable: {
    code: 'usage_unavailable',
    status: 503,
    message: 'Usage analytics are not available right now; retry later.',
  },

  // admin: customers, plans, keys
  customer_not_found: { code: 'customer_not_found', status: 404, message: 'No such customer.' },
  plan_not_found: { code: 'plan_not_found', status: 404, message: 'No such plan.' },
  key_not_found: { code: 'key_not_found', status: 404, message: 'No such API key.' },
  plan_exists: {
    code: 'plan_exists',
    status: 409,
    message: 'A plan with this name already exists; plans are immutable once created.',
  },
  customer_disabled: {
    code: 'customer_disabled',
    status: 409,
    message: 'The customer is disabled; enable it before issuing keys.',
  },
  key_revoked: {
    code: 'key_revoked',
    status: 409,
    message: 'The key is revoked; create a new key instead of rotating it.',
  },
  key_expired: {
    code: 'key_expired',
    status: 409,
    message: 'The key has expired; create a new key instead of rotating it.',
  },
} as const satisfies Record<string, ErrorSpec>;

export type GatewayErrorCode = keyof typeof GatewayErrors;
