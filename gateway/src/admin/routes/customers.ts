import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { ApiError } from '@gatehouse/shared';
import { type Request, Router } from 'express';
import { GatewayErrors } from '../../errors.js';
import type { CustomerRecord } from '../../store/gateway-store.js';
import type { AdminDeps } from '../deps.js';
import { documentPath, jsonContent } from '../docs.js';
import { bodyOf, methodNotAllowed, parseOr422 } from '../http.js';
import {
  CreateCustomerBody,
  CustomerIdParams,
  CustomerSchema,
  ListQuery,
  listOf,
  UpdateCustomerBody,
} from '../schemas.js';
import { customerJson, decodeCursor, pageJson } from '../serialize.js';

const CUSTOMER_ID = /^cus_[0-9A-Za-z]{20}$/;

/** Loads the customer named in the path or throws 404 (a malformed id never reaches SQL). */
export async function customerFromPath(deps: AdminDeps, req: Request): Promise<CustomerRecord> {
  const id = String(req.params.id);
  const customer = CUSTOMER_ID.test(id) ? await deps.store.getCustomer(id) : undefined;
  if (!customer) throw new ApiError(GatewayErrors.customer_not_found);
  return customer;
}

export function customerRoutes(deps: AdminDeps, registry: OpenAPIRegistry): Router {
  const router = Router();

  documentPath(registry, {
    method: 'post',
    path: '/v1/customers',
    summary: 'Create a customer',
    request: { body: jsonContent(CreateCustomerBody) },
    ok: { status: 201, description: 'The new customer.', schema: CustomerSchema },
    errors: [404, 415, 422],
  });
  documentPath(registry, {
    method: 'get',
    path: '/v1/customers',
    summary: 'List customers (oldest first, cursor pagination)',
    request: { query: ListQuery },
    ok: { status: 200, description: 'A page.', schema: listOf(CustomerSchema, 'CustomerList') },
    errors: [422],
  });
  router
    .route('/v1/customers')
    .post(async function createCustomer(req, res) {
      const body = parseOr422(CreateCustomerBody, bodyOf(req));
      const customer = await deps.store.createCustomer(body);
      if (!customer) throw new ApiError(GatewayErrors.plan_not_found, { field: 'plan' });
      await deps.afterWrite();
      res.status(201).location(`/v1/customers/${customer.id}`).json(customerJson(customer));
    })
    .get(async function listCustomers(req, res) {
      const query = parseOr422(ListQuery, req.query);
      const page = await deps.store.listCustomers({
        limit: query.limit,
        afterSeq: decodeCursor(query.cursor),
      });
      res.json(pageJson(page, customerJson));
    })
    .all(methodNotAllowed(['GET', 'POST']));

  documentPath(registry, {
    method: 'get',
    path: '/v1/customers/{id}',
    summary: 'Get a customer',
    request: { params: CustomerIdParams },
    ok: { status: 200, description: 'The customer.', schema: CustomerSchema },
    errors: [404],
  });
  documentPath(registry, {
    method: 'patch',
    path: '/v1/customers/{id}',
    summary: 'Rename a customer or change its plan',
    description: 'A plan change reaches every gateway process with the next key-cache refresh.',
    request: { params: CustomerIdParams, body: jsonContent(UpdateCustomerBody) },
    ok: { status: 200, description: 'The updated customer.', schema: CustomerSchema },
    errors: [404, 415, 422],
  });
  router
    .route('/v1/customers/:id')
    .get(async function getCustomer(req, res) {
      res.json(customerJson(await customerFromPath(deps, req)));
    })
    .patch(async function updateCustomer(req, res) {
      const customer = await customerFromPath(deps, req);
      const body = parseOr422(UpdateCustomerBody, bodyOf(req));
      const result = await deps.store.updateCustomer(customer.id, body);
      if (!result.ok) {
        throw result.reason === 'plan_not_found'
          ? new ApiError(GatewayErrors.plan_not_found, { field: 'plan' })
          : new ApiError(GatewayErrors.customer_not_found);
      }
      await deps.afterWrite();
      res.json(customerJson(result.customer));
    })
    .all(methodNotAllowed(['GET', 'PATCH']));

  for (const action of ['disable', 'enable'] as const) {
    documentPath(registry, {
      method: 'post',
      path: `/v1/customers/{id}/${action}`,
      summary:
        action === 'disable'
          ? 'Disable a customer: all its keys are refused within seconds (idempotent)'
          : 'Enable a disabled customer (idempotent)',
      request: { params: CustomerIdParams },
      ok: { status: 200, description: 'The customer.', schema: CustomerSchema },
      errors: [404],
    });
    router
      .route(`/v1/customers/:id/${action}`)
      .post(async function setDisabled(req, res) {
        const customer = await customerFromPath(deps, req);
        const updated = await deps.store.setCustomerDisabled(customer.id, action === 'disable');
        if (!updated) throw new ApiError(GatewayErrors.customer_not_found);
        await deps.afterWrite();
        res.json(customerJson(updated));
      })
      .all(methodNotAllowed(['POST']));
  }

  return router;
}
