/** Gives every request an id (the caller's `X-Request-Id` when sane) echoed in errors and headers. */
import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler } from 'express';

const ids = new WeakMap<Request, string>();
const SANE = /^[A-Za-z0-9._:-]{1,128}$/;

export const requestId: RequestHandler = function requestId(req, res, next) {
  const given = req.get('x-request-id');
  const id = given && SANE.test(given) ? given : randomUUID();
  ids.set(req, id);
  res.setHeader('X-Request-Id', id);
  next();
};

export function requestIdOf(req: Request): string {
  return ids.get(req) ?? 'unknown';
}
