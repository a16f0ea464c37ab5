/**
 * The one error normaliser of the data layer: whatever failed (network, HTTP status with or
 * without the Gatehouse envelope, bad JSON, abort), components get an `AppError` with a kind
 * they can branch on and a message they can show.
 */
export type AppErrorKind =
  | 'unauthorized'
  | 'not_found'
  | 'http'
  | 'network'
  | 'invalid_response'
  | 'aborted';

/** One entry of a 422 envelope's `details`: which field was refused and why. */
export interface FieldProblem {
  field: string;
  message: string;
  code?: string;
}

export class AppError extends Error {
  readonly kind: AppErrorKind;
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly field: string | undefined;
  readonly requestId: string | undefined;
  /** Per-field problems from a validation envelope (`details`), empty otherwise. */
  readonly problems: readonly FieldProblem[];

  constructor(
    kind: AppErrorKind,
    message: string,
    extra: {
      status?: number;
      code?: string;
      field?: string;
      requestId?: string;
      problems?: readonly FieldProblem[];
    } = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.kind = kind;
    this.status = extra.status;
    this.code = extra.code;
    this.field = extra.field;
    this.requestId = extra.requestId;
    this.problems = extra.problems ?? [];
  }
}

interface EnvelopeLike {
  error?: {
    code?: unknown;
    message?: unknown;
    field?: unknown;
    request_id?: unknown;
    details?: unknown;
  };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** `details` is free-form in the envelope; only `[{field, message}]` lists are field problems. */
function problemsOf(details: unknown): FieldProblem[] {
  if (!Array.isArray(details)) return [];
  const out: FieldProblem[] = [];
  for (const d of details) {
    if (typeof d !== 'object' || d === null) continue;
    const { field, message, code } = d as Record<string, unknown>;
    const f = str(field);
    const m = str(message);
    if (f === undefined || m === undefined) continue;
    const c = str(code);
    out.push(c ? { field: f, message: m, code: c } : { field: f, message: m });
  }
  return out;
}

/** Builds the error for a non-2xx response from its status and (optional) envelope body. */
export function errorFromStatus(status: number, body: unknown): AppError {
  const env = (typeof body === 'object' && body !== null ? body : {}) as EnvelopeLike;
  const code = str(env.error?.code);
  const field = str(env.error?.field);
  const requestId = str(env.error?.request_id);
  const kind: AppErrorKind =
    status === 401 ? 'unauthorized' : status === 404 ? 'not_found' : 'http';
  const fallback =
    status === 401
      ? 'The operator token was refused.'
      : status === 404
        ? 'Not found.'
        : `The server answered ${status}.`;
  const message = str(env.error?.message) ?? fallback;
  const problems = problemsOf(env.error?.details);
  return new AppError(kind, message, {
    status,
    ...(problems.length > 0 ? { problems } : {}),
    ...(code ? { code } : {}),
    ...(field ? { field } : {}),
    ...(requestId ? { requestId } : {}),
  });
}

export function normaliseError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof DOMException && err.name === 'AbortError') {
    return new AppError('aborted', 'The request was cancelled.');
  }
  if (err instanceof TypeError) {
    // fetch rejects with a TypeError when the server cannot be reached (or CORS refuses).
    return new AppError('network', `Cannot reach the server: ${err.message}.`);
  }
  return new AppError('invalid_response', err instanceof Error ? err.message : String(err));
}
