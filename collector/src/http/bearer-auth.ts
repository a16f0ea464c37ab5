/** `Authorization: Bearer <token>` against one configured secret, compared in constant time. */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiError } from '@gatehouse/shared';
import type { RequestHandler } from 'express';
import { CollectorErrors } from '../errors.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

export function bearerAuth(token: string, realm: string): RequestHandler {
  if (token.length < 16) throw new Error(`${realm}: token must be at least 16 characters`);
  const expected = digest(token);
  return function checkBearer(req, _res, next) {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const headers = { 'WWW-Authenticate': `Bearer realm="${realm}"` };
    if (!match) {
      next(new ApiError(CollectorErrors.unauthorized, { headers }));
      return;
    }
    if (!timingSafeEqual(digest(match[1]!), expected)) {
      next(
        new ApiError(CollectorErrors.unauthorized, {
          message: 'The token is not valid here.',
          headers,
        }),
      );
      return;
    }
    next();
  };
}
