import { Router } from 'express';
import type { Database } from '../db/database.js';
import { parseOr422 } from '../http/validate.js';
import { createSignup } from '../signups/service.js';
import { idempotentPost } from './idempotent-post.js';
import { jsonResponse } from './respond.js';
import { RouteTable } from './route-table.js';
import { SignupRequestSchema } from './signup-schemas.js';

/**
 * POST /v1/signups → 201. Like every /v1 route it requires the gateway identity token (the
 * api trusts only the gateway); the welcome e-mail is queued by the service in the same
 * transaction.
 */
export function signupsRoutes(db: Database): Router {
  const table = new RouteTable(Router());
  table.on('post', '/v1/signups', async (req, res) => {
    await idempotentPost(db, req, res, async () => {
      const input = parseOr422(SignupRequestSchema, req.body);
      return jsonResponse(201, await createSignup(db, input));
    });
  });
  return table.finish();
}
