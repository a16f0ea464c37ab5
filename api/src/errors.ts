/**
 * The orders API's error catalogue: every code this part can answer with, grouped by area.
 * Callers throw `new ApiError(ApiErrors.<code>, …)`; the one error handler in
 * `http/error-handler.ts` turns it into the envelope. Nothing else defines error codes.
 */
import { CommonErrors, type ErrorSpec } from '@gatehouse/shared';

export const ApiErrors = {
  ...CommonErrors,

  // requests
  invalid_request: {
    code: 'invalid_request',
    status: 400,
    message: 'The request could not be read (malformed URL or headers).',
  },

  // orders
  order_not_found: { code: 'order_not_found', status: 404, message: 'No such order.' },
  invalid_state_transition: {
    code: 'invalid_state_transition',
    status: 409,
    message: 'The order cannot move to that status from its current status.',
  },
  order_not_editable: {
    code: 'order_not_editable',
    status: 409,
    message: 'Items and currency can only change while the order is pending.',
  },

  // conditional requests
  precondition_failed: {
    code: 'precondition_failed',
    status: 412,
    message: 'The resource changed since you read it (If-Match does not match its ETag).',
  },

  // idempotency
  idempotency_key_reused: {
    code: 'idempotency_key_reused',
    status: 422,
    message: 'This Idempotency-Key was already used with a different request.',
  },
  idempotency_key_in_use: {
    code: 'idempotency_key_in_use',
    status: 409,
    message: 'A request with this Idempotency-Key is still being processed; retry later.',
  },

  // batch
  nested_batch: {
    code: 'nested_batch',
    status: 422,
    message: 'A batch cannot contain another batch.',
  },

  // jobs, reports, signups
  report_not_found: { code: 'report_not_found', status: 404, message: 'No such report.' },
  callback_url_not_allowed: {
    code: 'callback_url_not_allowed',
    status: 422,
    message: 'The callback URL must be http(s) and resolve only to public addresses.',
  },
  signup_exists: {
    code: 'signup_exists',
    status: 409,
    message: 'A signup with this e-mail address already exists.',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ApiErrorCode = keyof typeof ApiErrors;
