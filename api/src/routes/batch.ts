import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { ApiError, IDENTITY_HEADER } from '@gatehouse/shared';
import type { Database } from '../db/database.js';
import { ApiErrors } from '../errors.js';
import { inject } from '../http/inject.js';
import { parseOr422 } from '../http/validate.js';
import { isStorableText } from '../orders/schemas.js';
import { idempotentPost } from './idempotent-post.js';
import { jsonResponse } from './respond.js';
import { RouteTable } from './route-table.js';

export const MAX_BATCH = 50;

export const BatchRequestSchema = z
  .strictObject({
    requests: z
      .array(
        z
          .strictObject({
            method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
            path: z
              .string()
              .min(1)
              .max(2048)
              .regex(/^\/[^/\\]/, 'Must be a path on this api, starting with one "/".')
              .refine(isStorableText, 'Must be valid text.'),
            body: z.unknown().optional(),
            headers: z
              .strictObject({
                'if-match': z.string().max(1024).optional(),
                'idempotency-key': z.string().max(255).optional(),
              })
              .optional()
              .meta({
                description: 'Optional per-request If-Match and Idempotency-Key (lower case).',
              }),
          })
          .meta({ id: 'BatchSubRequest' }),
      )
      .min(1)
      .max(MAX_BATCH),
  })
  .meta({ id: 'BatchRequest' });

export const BatchResponseSchema = z
  .object({
    responses: z.array(
      z
        .object({
          status: z.number().int(),
          headers: z.record(z.string(), z.string()),
          body: z
            .unknown()
            .meta({ description: 'Parsed JSON body; null when empty; text otherwise.' }),
        })
        .meta({ id: 'BatchSubResponse' }),
    ),
  })
  .meta({ id: 'BatchResponse' });

export type Dispatch = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * POST /v1/batch: each sub-request runs in order, in-process, through the whole app with the
 * caller's own identity token, so routes, validation and auth are exactly those of a direct
 * call. A batch inside a batch is refused.
 */
export function batchRoutes(db: Database, dispatch: () => Dispatch): Router {
  const table = new RouteTable(Router());
  table.on('post', '/v1/batch', async (req, res) => {
    if (res.locals.inBatch) throw new ApiError(ApiErrors.nested_batch);
    await idempotentPost(db, req, res, () => runBatch(req, res));
  });
  return table.finish();

  async function runBatch(req: Request, res: Response) {
    const input = parseOr422(BatchRequestSchema, req.body);
    input.requests.forEach((sub, i) => {
      if (/^\/v1\/batch(?:[/?#]|$)/i.test(sub.path)) {
        throw new ApiError(ApiErrors.nested_batch, { field: `requests.${i}.path` });
      }
    });
    const responses = [];
    for (const [i, sub] of input.requests.entries()) {
      const headers: IncomingHttpHeaders = {
        'x-request-id': `${res.locals.requestId}.${i}`,
        accept: 'application/json',
      };
      const token = req.get(IDENTITY_HEADER);
      if (token) headers[IDENTITY_HEADER] = token;
      if (sub.headers?.['if-match']) headers['if-match'] = sub.headers['if-match'];
      if (sub.headers?.['idempotency-key'])
        headers['idempotency-key'] = sub.headers['idempotency-key'];
      let body: Buffer | undefined;
      if (sub.body !== undefined) {
        body = Buffer.from(JSON.stringify(sub.body), 'utf8');
        headers['content-type'] = 'application/json';
      }
      const out = await inject(
        dispatch(),
        { method: sub.method, url: sub.path, headers, body },
        (subRes) => {
          subRes.locals = Object.assign(Object.create(null), { inBatch: true });
        },
      );
      responses.push({
        status: out.status,
        headers: out.headers,
        body: decodeBody(out.headers, out.body),
      });
    }
    return jsonResponse(200, { responses });
  }
}

function decodeBody(headers: Record<string, string>, body: Buffer): unknown {
  if (body.length === 0) return null;
  const text = body.toString('utf8');
  if (
    (headers['content-type'] ?? '').includes('json') &&
    !(headers['content-type'] ?? '').includes('ndjson')
  ) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}
