import { z } from 'zod';

/**
 * The one error envelope every Gatehouse HTTP surface answers with:
 * `{"error": {"code", "message", "field"?, "details"?, "request_id"}}`.
 */
export const ErrorEnvelopeSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    field: z.string().optional(),
    details: z.unknown().optional(),
    request_id: z.string(),
  }),
});
export type ErrorEnvelope = z.infer<typeof ErrorEnvelopeSchema>;

/** A catalogue entry: a stable code, its HTTP status and a default message. */
export interface ErrorSpec {
  readonly code: string;
  readonly status: number;
  readonly message: string;
}

export interface ApiErrorOptions {
  message?: string;
  field?: string;
  details?: unknown;
  /** Extra response headers, e.g. `Allow` for 405 or `Retry-After` for 429. */
  headers?: Record<string, string>;
  cause?: unknown;
}

/** Errors are values with codes; one handler per HTTP surface turns them into the envelope. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly field: string | undefined;
  readonly details: unknown;
  readonly headers: Record<string, string>;

  constructor(spec: ErrorSpec, options: ApiErrorOptions = {}) {
    super(options.message ?? spec.message, { cause: options.cause });
    this.name = 'ApiError';
    this.code = spec.code;
    this.status = spec.status;
    this.field = options.field;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }

  toEnvelope(requestId: string): ErrorEnvelope {
    return errorEnvelope(this.code, this.message, requestId, {
      field: this.field,
      details: this.details,
    });
  }
}

export function errorEnvelope(
  code: string,
  message: string,
  requestId: string,
  extra: { field?: string | undefined; details?: unknown } = {},
): ErrorEnvelope {
  const error: ErrorEnvelope['error'] = { code, message, request_id: requestId };
  if (extra.field !== undefined) error.field = extra.field;
  if (extra.details !== undefined) error.details = extra.details;
  return { error };
}

/**
 * Codes shared by every surface (routing, body parsing, auth basics). Each part keeps its
 * own catalogue for its domain errors and spreads these in, so a code means one thing
 * everywhere.
 */
export const CommonErrors = {
  // routing
  not_found: { code: 'not_found', status: 404, message: 'No such route.' },
  method_not_allowed: {
    code: 'method_not_allowed',
    status: 405,
    message: 'Method not allowed on this route.',
  },
  // request bodies
  invalid_json: {
    code: 'invalid_json',
    status: 400,
    message: 'The request body is not valid JSON.',
  },
  unsupported_media_type: {
    code: 'unsupported_media_type',
    status: 415,
    message: 'Send the body as application/json.',
  },
  payload_too_large: {
    code: 'payload_too_large',
    status: 413,
    message: 'The request body is larger than the limit.',
  },
  validation_failed: {
    code: 'validation_failed',
    status: 422,
    message: 'The request is not valid.',
  },
  // auth
  unauthorized: { code: 'unauthorized', status: 401, message: 'Authentication is required.' },
  forbidden: { code: 'forbidden', status: 403, message: 'Not allowed.' },
  // availability
  service_unavailable: {
    code: 'service_unavailable',
    status: 503,
    message: 'A dependency is unavailable; retry later.',
  },
  internal_error: { code: 'internal_error', status: 500, message: 'Internal error.' },
} as const satisfies Record<string, ErrorSpec>;
