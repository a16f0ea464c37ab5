import { Router } from 'express';
import type { Database } from '../db/database.js';
import { parseOr422 } from '../http/validate.js';
import { ifNoneMatchHit } from '../orders/etag.js';
import { parseIdempotencyKey, requestHash, runIdempotent } from '../orders/idempotency.js';
import {
  CreateOrderSchema,
  ListOrdersQuerySchema,
  OrderIdParamsSchema,
  PatchOrderSchema,
  ReplaceOrderSchema,
} from '../orders/schemas.js';
import * as orders from '../orders/service.js';
import { jsonResponse, sendStored } from './respond.js';
import { RouteTable } from './route-table.js';

/** /v1/orders and /v1/orders/{id}. Identity, body parsing and no-store come from app.ts. */
export function ordersRoutes(db: Database): Router {
  const table = new RouteTable(Router());

  table.on('post', '/v1/orders', async (req, res) => {
    const customerId = res.locals.customerId;
    const key = parseIdempotencyKey(req.get('idempotency-key'));
    const input = parseOr422(CreateOrderSchema, req.body);
    const { response, replayed } = await runIdempotent(
      db,
      { customerId, key, hash: requestHash('POST', '/v1/orders', req.body) },
      async (complete) => {
        let response = jsonResponse(201, null);
        await orders.createOrder(db, customerId, input, async (tx, created) => {
          response = jsonResponse(201, created.order, {
            Location: `/v1/orders/${created.order.id}`,
            ETag: created.etag,
          });
          await complete(tx, response);
        });
        return response;
      },
    );
    sendStored(res, response, replayed);
  });

  table.on('get', '/v1/orders', async (req, res) => {
    const query = parseOr422(ListOrdersQuerySchema, req.query);
    res.json(await orders.listOrders(db, res.locals.customerId, query));
  });

  table.on('get', '/v1/orders/:id', async (req, res) => {
    const { id } = parseOr422(OrderIdParamsSchema, req.params);
    const { order, etag } = await orders.getOrder(db, res.locals.customerId, id);
    res.setHeader('ETag', etag);
    // Conditional GET: a client holding the current version gets 304 without the body.
    if (ifNoneMatchHit(req.get('if-none-match'), etag)) {
      res.status(304).end();
      return;
    }
    res.json(order);
  });

  table.on('put', '/v1/orders/:id', async (req, res) => {
    const { id } = parseOr422(OrderIdParamsSchema, req.params);
    const input = parseOr422(ReplaceOrderSchema, req.body);
    const { order, etag } = await orders.replaceOrder(
      db,
      res.locals.customerId,
      id,
      input,
      req.get('if-match'),
    );
    res.setHeader('ETag', etag);
    res.json(order);
  });

  table.on('patch', '/v1/orders/:id', async (req, res) => {
    const { id } = parseOr422(OrderIdParamsSchema, req.params);
    const input = parseOr422(PatchOrderSchema, req.body);
    const { order, etag } = await orders.patchOrder(
      db,
      res.locals.customerId,
      id,
      input,
      req.get('if-match'),
    );
    res.setHeader('ETag', etag);
    res.json(order);
  });

  table.on('delete', '/v1/orders/:id', async (req, res) => {
    const { id } = parseOr422(OrderIdParamsSchema, req.params);
    await orders.removeOrder(db, res.locals.customerId, id, req.get('if-match'));
    res.status(204).end();
  });

  return table.finish();
}
