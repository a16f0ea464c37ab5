import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { ApiError } from '@gatehouse/shared';
import { Router } from 'express';
import { GatewayErrors } from '../../errors.js';
import type { AdminDeps } from '../deps.js';
import { documentPath, jsonContent } from '../docs.js';
import { bodyOf, methodNotAllowed, parseOr422 } from '../http.js';
import { CreatePlanBody, listOf, PlanName, PlanNameParams, PlanSchema } from '../schemas.js';
import { planJson } from '../serialize.js';

export function planRoutes(deps: AdminDeps, registry: OpenAPIRegistry): Router {
  const router = Router();

  documentPath(registry, {
    method: 'get',
    path: '/v1/plans',
    summary: 'List plans',
    ok: { status: 200, description: 'Every plan.', schema: listOf(PlanSchema, 'PlanList') },
    errors: [],
  });
  documentPath(registry, {
    method: 'post',
    path: '/v1/plans',
    summary: 'Create a plan',
    description: 'Plans are immutable: move customers to a new plan to change their limits.',
    request: { body: jsonContent(CreatePlanBody) },
    ok: { status: 201, description: 'The new plan.', schema: PlanSchema },
    errors: [409, 415, 422],
  });

  documentPath(registry, {
    method: 'get',
    path: '/v1/plans/{name}',
    summary: 'Get a plan',
    request: { params: PlanNameParams },
    ok: { status: 200, description: 'The plan.', schema: PlanSchema },
    errors: [404],
  });

  router
    .route('/v1/plans/:name')
    .get(async function getPlan(req, res) {
      // Anything that cannot be a plan name (e.g. a NUL byte) is a 404 and never reaches SQL.
      const name = String(req.params.name);
      const plan = PlanName.safeParse(name).success ? await deps.store.getPlan(name) : undefined;
      if (!plan) throw new ApiError(GatewayErrors.plan_not_found);
      res.json(planJson(plan));
    })
    .all(methodNotAllowed(['GET']));

  router
    .route('/v1/plans')
    .get(async function listPlans(_req, res) {
      const plans = await deps.store.listPlans();
      res.json({ items: plans.map(planJson), has_more: false, next_cursor: null });
    })
    .post(async function createPlan(req, res) {
      const body = parseOr422(CreatePlanBody, bodyOf(req));
      const plan = await deps.store.createPlan(body);
      if (!plan) throw new ApiError(GatewayErrors.plan_exists, { field: 'name' });
      await deps.afterWrite();
      res.status(201).location(`/v1/plans/${plan.name}`).json(planJson(plan));
    })
    .all(methodNotAllowed(['GET', 'POST']));

  return router;
}
