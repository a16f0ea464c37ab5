/** The alerting paths of the collector's OpenAPI document (called from http/openapi.ts). */
import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { ErrorEnvelopeSchema } from '@gatehouse/shared';
import { z } from 'zod';
import { HistoryQuery } from './routes.js';
import { METRICS, RulePatchSchema, RuleInputSchema, SEVERITIES } from './rule-schema.js';

const Envelope = ErrorEnvelopeSchema.meta({ id: 'ErrorEnvelope' });
const json = (schema: z.ZodType, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const errors = (...codes: [number, string][]): RouteConfig['responses'] =>
  Object.fromEntries(codes.map(([s, d]) => [String(s), json(Envelope, d)]));

const RuleView = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(['threshold', 'burn_rate']),
    scope: z.enum(['all', 'route', 'customer', 'route_customer']),
    route: z.string().nullable(),
    customer_id: z.string().nullable(),
    metric: z.enum(METRICS).nullable(),
    threshold: z.number().nullable(),
    resolve_threshold: z.number().nullable(),
    effective_resolve_threshold: z.number().nullable(),
    window: z.string(),
    min_requests: z.number().int(),
    for: z.string(),
    objective: z.number().nullable(),
    slo_period: z.string(),
    burn_windows: z
      .array(z.object({ long: z.string(), short: z.string(), factor: z.number() }))
      .nullable(),
    severity: z.enum(SEVERITIES),
    targets: z.array(
      z.object({ type: z.enum(['webhook', 'slack']), url: z.string(), has_secret: z.boolean() }),
    ),
    enabled: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
    state: z.enum(['ok', 'pending', 'firing']),
    state_since: z.string().nullable(),
    value: z.number().nullable(),
    requests: z.number().int().nullable(),
    evaluated_at: z.string().nullable(),
  })
  .meta({ id: 'AlertRule' });

const Firing = z
  .object({
    id: z.string(),
    rule_id: z.string(),
    name: z.string(),
    severity: z.string(),
    state: z.literal('firing'),
    scope: z.string(),
    route: z.string().nullable(),
    customer_id: z.string().nullable(),
    started_at: z.string(),
    value: z.number(),
    threshold: z.number(),
    requests: z.number().int(),
    evaluated_at: z.string(),
    summary: z.string(),
  })
  .meta({ id: 'FiringAlert' });

const Delivery = z
  .object({
    notification_id: z
      .string()
      .describe(
        'Stable across retries; sent as the `Gatehouse-Notification-Id` and `Idempotency-Key` headers (and `notificationId` in webhook bodies) so receivers can drop repeats.',
      ),
    type: z.enum(['webhook', 'slack']),
    url: z.string(),
    state: z
      .enum(['pending', 'delivered', 'failed'])
      .describe('`failed`: gave up after the attempt limit, a final answer or the age limit.'),
    attempts: z.number().int(),
    last_status: z.number().int().nullable().describe('HTTP status of the last attempt.'),
    last_error: z.string().nullable(),
    created_at: z.string(),
    last_attempt_at: z.string().nullable(),
    next_attempt_at: z.string().nullable().describe('When the next attempt is due (pending only).'),
    finished_at: z.string().nullable(),
  })
  .meta({ id: 'AlertDelivery' });

const History = z
  .object({
    id: z.string(),
    rule_id: z.string(),
    name: z.string(),
    severity: z.string(),
    from_state: z.enum(['ok', 'pending', 'firing']),
    to_state: z.enum(['ok', 'pending', 'firing', 'resolved']),
    state: z.string(),
    value: z.number(),
    threshold: z.number(),
    requests: z.number().int(),
    details: z.record(z.string(), z.unknown()).describe('The measurements that caused the change.'),
    at: z.string(),
    notification: z
      .unknown()
      .describe(
        'Delivery results per target (`url`, `type`, `ok`, `attempts`, `status`, `error`) once every target is delivered or failed; null while any is pending. `deliveries` has more.',
      ),
    deliveries: z
      .array(Delivery)
      .describe(
        'One entry per target for firing and resolved changes (empty for other changes and for entries written before the outbox).',
      ),
  })
  .meta({ id: 'AlertHistoryEntry' });

export function registerAlertPaths(registry: OpenAPIRegistry): void {
  const security = [{ operator: [] }];
  const auth = errors(
    [401, '`unauthorized`'],
    [503, '`service_unavailable`: the rules store did not answer.'],
  );
  const id = z.object({ id: z.string().max(64) });
  const body = (schema: z.ZodType) => ({
    body: { content: { 'application/json': { schema } }, required: true },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/alerts/rules',
    summary: 'Alert rules with their current state.',
    security,
    responses: { 200: json(z.object({ items: z.array(RuleView) }), 'OK'), ...auth },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/alerts/rules',
    summary: 'Create a threshold or SLO burn-rate rule.',
    security,
    request: body(RuleInputSchema),
    responses: {
      201: json(RuleView, 'Created.'),
      ...auth,
      ...errors(
        [400, '`invalid_json`'],
        [415, '`unsupported_media_type`'],
        [422, '`invalid_rule` (field named) or `webhook_target_refused`'],
      ),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/alerts/rules/{id}',
    summary: 'One rule.',
    security,
    request: { params: id },
    responses: { 200: json(RuleView, 'OK'), ...auth, ...errors([404, '`rule_not_found`']) },
  });
  registry.registerPath({
    method: 'patch',
    path: '/api/v1/alerts/rules/{id}',
    summary: 'Change some fields of a rule; the result is validated whole.',
    security,
    request: { params: id, ...body(RulePatchSchema) },
    responses: {
      200: json(RuleView, 'OK'),
      ...auth,
      ...errors([404, '`rule_not_found`'], [422, '`invalid_rule` or `webhook_target_refused`']),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/v1/alerts/rules/{id}',
    summary: 'Delete a rule (its history stays).',
    security,
    request: { params: id },
    responses: { 204: { description: 'Deleted.' }, ...auth, ...errors([404, '`rule_not_found`']) },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/alerts/firing',
    summary: 'Alerts firing now.',
    security,
    responses: { 200: json(z.object({ items: z.array(Firing) }), 'OK'), ...auth },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/alerts/history',
    summary: 'State changes, newest first, cursor-paginated.',
    security,
    request: { query: HistoryQuery },
    responses: {
      200: json(
        z.object({
          items: z.array(History),
          has_more: z.boolean(),
          next_cursor: z.string().nullable(),
        }),
        'OK',
      ),
      ...auth,
      ...errors([422, '`invalid_query`']),
    },
  });
}
