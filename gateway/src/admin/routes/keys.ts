import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { ApiError } from '@gatehouse/shared';
import { type Request, Router } from 'express';
import { GatewayErrors } from '../../errors.js';
import { isKeyId } from '../../keys/api-key.js';
import type { ApiKeyRecord } from '../../store/gateway-store.js';
import type { AdminDeps } from '../deps.js';
import { documentPath, jsonContent } from '../docs.js';
import { bodyOf, methodNotAllowed, parseOr422 } from '../http.js';
import {
  ApiKeySchema,
  CreatedKeySchema,
  CreateKeyBody,
  CustomerIdParams,
  KeyIdParams,
  ListQuery,
  listOf,
  RotatedKeySchema,
  RotateKeyBody,
} from '../schemas.js';
import { createdKeyJson, decodeCursor, keyJson, pageJson } from '../serialize.js';
import { customerFromPath } from './customers.js';

async function keyFromPath(deps: AdminDeps, req: Request): Promise<ApiKeyRecord> {
  const keyId = String(req.params.key_id);
  const key = isKeyId(keyId) ? await deps.store.getApiKey(keyId) : undefined;
  if (!key) throw new ApiError(GatewayErrors.key_not_found);
  return key;
}

function expiry(value: string | null | undefined): Date | null {
  return value ? new Date(value) : null;
}

export function keyRoutes(deps: AdminDeps, registry: OpenAPIRegistry): Router {
  const router = Router();

  documentPath(registry, {
    method: 'post',
    path: '/v1/customers/{id}/keys',
    summary: 'Create an API key (the secret is in this response only)',
    request: { params: CustomerIdParams, body: jsonContent(CreateKeyBody) },
    ok: { status: 201, description: 'The key, with its secret.', schema: CreatedKeySchema },
    errors: [404, 409, 415, 422],
  });
  documentPath(registry, {
    method: 'get',
    path: '/v1/customers/{id}/keys',
    summary: "List a customer's keys (never secrets)",
    request: { params: CustomerIdParams, query: ListQuery },
    ok: { status: 200, description: 'A page.', schema: listOf(ApiKeySchema, 'ApiKeyList') },
    errors: [404, 422],
  });
  router
    .route('/v1/customers/:id/keys')
    .post(async function createKey(req, res) {
      const customer = await customerFromPath(deps, req);
      const body = parseOr422(CreateKeyBody, bodyOf(req));
      if (customer.disabled_at) throw new ApiError(GatewayErrors.customer_disabled);
      const created = await deps.store.createApiKey({
        customerId: customer.id,
        name: body.name ?? null,
        scopes: body.scopes,
        expiresAt: expiry(body.expires_at),
      });
      await deps.afterWrite();
      // The secret must not be kept by any cache between here and the client.
      res.setHeader('Cache-Control', 'no-store');
      res.status(201).location(`/v1/keys/${created.record.key_id}`).json(createdKeyJson(created));
    })
    .get(async function listKeys(req, res) {
      const customer = await customerFromPath(deps, req);
      const query = parseOr422(ListQuery, req.query);
      const page = await deps.store.listApiKeys(customer.id, {
        limit: query.limit,
        afterSeq: decodeCursor(query.cursor),
      });
      res.json(pageJson(page, (k) => keyJson(k)));
    })
    .all(methodNotAllowed(['GET', 'POST']));

  documentPath(registry, {
    method: 'get',
    path: '/v1/keys/{key_id}',
    summary: 'Get a key (never its secret)',
    request: { params: KeyIdParams },
    ok: { status: 200, description: 'The key.', schema: ApiKeySchema },
    errors: [404],
  });
  documentPath(registry, {
    method: 'delete',
    path: '/v1/keys/{key_id}',
    summary: 'Revoke a key: refused by every gateway process within seconds (idempotent)',
    request: { params: KeyIdParams },
    ok: { status: 204, description: 'Revoked.' },
    errors: [404],
  });
  router
    .route('/v1/keys/:key_id')
    .get(async function getKey(req, res) {
      res.json(keyJson(await keyFromPath(deps, req)));
    })
    .delete(async function revokeKey(req, res) {
      const key = await keyFromPath(deps, req);
      if (!(await deps.store.revokeApiKey(key.key_id))) {
        throw new ApiError(GatewayErrors.key_not_found);
      }
      await deps.afterWrite();
      res.status(204).end();
    })
    .all(methodNotAllowed(['GET', 'DELETE']));

  documentPath(registry, {
    method: 'post',
    path: '/v1/keys/{key_id}/rotate',
    summary: 'Rotate a key: a new key now, the old one keeps working for grace_seconds',
    request: { params: KeyIdParams, body: jsonContent(RotateKeyBody) },
    ok: {
      status: 201,
      description: 'The new key with its secret, and when the old key stops working.',
      schema: RotatedKeySchema,
    },
    errors: [404, 409, 415, 422],
  });
  router
    .route('/v1/keys/:key_id/rotate')
    .post(async function rotateKey(req, res) {
      const key = await keyFromPath(deps, req);
      const body = parseOr422(RotateKeyBody, bodyOf(req));
      const result = await deps.store.rotateApiKey(
        key.key_id,
        body.grace_seconds,
        expiry(body.expires_at),
      );
      if (!result.ok) throw new ApiError(GatewayErrors[result.reason]);
      await deps.afterWrite();
      res.setHeader('Cache-Control', 'no-store');
      res
        .status(201)
        .location(`/v1/keys/${result.created.record.key_id}`)
        .json({
          ...createdKeyJson(result.created),
          previous_key: {
            key_id: result.previous.key_id,
            expires_at: result.previous.expires_at!.toISOString(),
          },
        });
    })
    .all(methodNotAllowed(['POST']));

  return router;
}
