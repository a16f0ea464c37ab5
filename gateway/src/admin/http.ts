/**
 * The admin surface's plumbing: request ids, operator-token auth, CORS, JSON bodies,
 * validation and the one error handler. Small named middlewares, configured once.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ApiError } from '@gatehouse/shared';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { GatewayErrors } from '../errors.js';

export const ADMIN_BODY_LIMIT_BYTES = 64 * 1024;
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export function newRequestId(): string {
  return `req_${randomBytes(12).toString('base64url')}`;
}

/** Keeps a well-formed client `X-Request-Id`, otherwise mints one; echoes it on the response. */
export function requestId(): RequestHandler {
  return function adminRequestId(req, res, next) {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : newRequestId();
    res.locals.requestId = id;
    res.setHeader('X-Request-Id', id);
    next();
  };
}

/**
 * One line per request: method, path without the query, status, duration, request id.
 * Never bodies or headers: key secrets travel in response bodies and the operator token in
 * a header.
 */
export function accessLog(logger: Logger | undefined): RequestHandler {
  return function adminAccessLog(req, res, next) {
    if (!logger) return next();
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      logger.info(
        {
          request_id: res.locals.requestId,
          method: req.method,
          path: req.path,
          status: res.statusCode,
          duration_ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'admin request',
      );
    });
    next();
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * `Authorization: Bearer <GATEHOUSE_ADMIN_TOKEN>`. Both sides are hashed first so the
 * comparison is constant-time whatever the presented length.
 */
export function operatorAuth(adminToken: string): RequestHandler {
  if (adminToken.length < 16) {
    throw new Error('The admin token must be at least 16 characters (GATEHOUSE_ADMIN_TOKEN).');
  }
  const expected = digest(adminToken);
  return function requireOperatorToken(req, _res, next) {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    if (match && timingSafeEqual(digest(match[1]!), expected)) return next();
    next(
      new ApiError(GatewayErrors.unauthorized, {
        message: match
          ? 'The operator token is not valid.'
          : 'Send the operator token as `Authorization: Bearer <GATEHOUSE_ADMIN_TOKEN>`.',
        headers: { 'WWW-Authenticate': 'Bearer realm="gatehouse-admin"' },
      }),
    );
  };
}

/** CORS for the listed origins only (the dashboard); preflights answer before auth. */
export function cors(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins);
  return function adminCors(req, res, next) {
    const origin = req.headers.origin;
    // Answers differ by Origin, so shared caches must key on it even when CORS is refused.
    res.append('Vary', 'Origin');
    if (!origin || !allowed.has(origin)) return next();
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Expose-Headers', 'X-Request-Id, Location');
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PATCH, DELETE, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Request-Id');
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    next();
  };
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json$/i;

/** JSON bodies only (415 otherwise, before reading), at most 64 KiB (413). */
export function jsonBody(): RequestHandler[] {
  const parse = express.json({ limit: ADMIN_BODY_LIMIT_BYTES, strict: false, type: () => true });
  return [
    function requireJson(req, _res, next) {
      const hasBody =
        req.headers['transfer-encoding'] !== undefined ||
        (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
      if (!hasBody) return next();
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
      if (!JSON_TYPE.test(type)) return next(new ApiError(GatewayErrors.unsupported_media_type));
      next();
    },
    parse,
  ];
}

/** The parsed JSON body; a request without one counts as `{}` (but a JSON `null` stays null). */
export function bodyOf(req: { body?: unknown }): unknown {
  return req.body === undefined ? {} : req.body;
}

export interface FieldProblem {
  field: string;
  code: string;
  message: string;
}

/**
 * Parses with a zod schema or throws 422 `validation_failed` naming the first bad field
 * (dotted path) with every problem in `details`. Input values are never echoed back.
 */
export function parseOr422<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details: FieldProblem[] = [];
  for (const issue of result.error.issues) {
    const base = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        details.push({
          field: [...base, key].join('.'),
          code: 'unknown_field',
          message: 'This field is not accepted here.',
        });
      }
    } else {
      details.push({ field: base.join('.'), code: issue.code, message: issue.message });
    }
  }
  const first = details.find((d) => d.field !== '') ?? details[0];
  throw new ApiError(GatewayErrors.validation_failed, {
    field: first && first.field !== '' ? first.field : undefined,
    message: first ? `${first.field || 'body'}: ${first.message}` : undefined,
    details,
  });
}

// pg/PGlite/network failures that mean "the database is unreachable right now" → 503.
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '57014',
]);

function isUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && (UNAVAILABLE_CODES.has(e.code) || e.code.startsWith('08'))) {
    return true;
  }
  if (
    typeof e.message === 'string' &&
    /Connection terminated|timeout exceeded when trying to connect|Cannot use a pool after calling end|PGlite is closed/.test(
      e.message,
    )
  ) {
    return true;
  }
  return Array.isArray(e.errors) && e.errors.some(isUnavailable);
}

function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err && typeof err === 'object' && 'type' in err) {
    const type = (err as { type: unknown }).type;
    if (type === 'entity.too.large') return new ApiError(GatewayErrors.payload_too_large);
    if (type === 'entity.parse.failed') return new ApiError(GatewayErrors.invalid_json);
    if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
      return new ApiError(GatewayErrors.unsupported_media_type);
    }
    if (typeof type === 'string' && type.startsWith('request.')) {
      return new ApiError(GatewayErrors.invalid_json, {
        message: 'The request body could not be read.',
      });
    }
  }
  if (isUnavailable(err)) return new ApiError(GatewayErrors.service_unavailable, { cause: err });
  return new ApiError(GatewayErrors.internal_error, { cause: err });
}

/** The admin surface's one error handler: the envelope for everything; logs 5xx only. */
export function errorHandler(logger: Logger | undefined): ErrorRequestHandler {
  return function adminErrorHandler(err, _req, res, _next) {
    const apiError = toApiError(err);
    const id: string = res.locals.requestId ?? newRequestId();
    if (apiError.status >= 500) {
      logger?.error({ err: apiError.cause ?? err, request_id: id }, 'admin request failed');
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    for (const [name, value] of Object.entries(apiError.headers)) res.setHeader(name, value);
    if (apiError.status === 503) res.setHeader('Retry-After', '1');
    res.setHeader('Cache-Control', 'no-store');
    res.status(apiError.status).json(apiError.toEnvelope(id));
  };
}

export function notFound(): RequestHandler {
  return function adminNotFound(_req, _res, next) {
    next(new ApiError(GatewayErrors.not_found));
  };
}

/** For `router.route(path).all(...)` after the real methods: 405 with `Allow`. */
export function methodNotAllowed(allowed: string[]): RequestHandler {
  const allow = [...allowed, 'OPTIONS'].join(', ');
  return function adminMethodNotAllowed(req, res, next) {
    res.setHeader('Allow', allow);
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next(new ApiError(GatewayErrors.method_not_allowed, { headers: { Allow: allow } }));
  };
}
