import express, { type RequestHandler } from 'express';
import { ApiError } from '@gatehouse/shared';
import { ApiErrors } from '../errors.js';

export const BODY_LIMIT_BYTES = 1024 * 1024;

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json$/i;

function hasBody(headers: Record<string, string | string[] | undefined>): boolean {
  return (
    headers['transfer-encoding'] !== undefined ||
    (headers['content-length'] !== undefined && headers['content-length'] !== '0')
  );
}

/**
 * JSON bodies only, at most 1 MiB. A request that carries a body of another media type is
 * refused with 415 before anything is read; parser failures are mapped by the error handler
 * (413 `payload_too_large`, 400 `invalid_json`). Any JSON value is accepted here (not only
 * objects) so that a wrong shape is a 422 from the schema, not a 400.
 */
export function jsonBody(): RequestHandler[] {
  const parse = express.json({ limit: BODY_LIMIT_BYTES, strict: false, type: () => true });
  return [
    function requireJson(req, _res, next) {
      if (!hasBody(req.headers)) return next();
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
      if (!JSON_TYPE.test(type)) return next(new ApiError(ApiErrors.unsupported_media_type));
      next();
    },
    parse,
  ];
}
