/**
 * The OpenAPI 3.1 document, generated from the same zod schemas that validate requests.
 * Every route, parameter, response and error status is registered here; the spec-conformance
 * check in the test suite (`openapi/conformance.ts`) fails when a response is not.
 */
import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import { ErrorEnvelopeSchema, IDENTITY_HEADER } from '@gatehouse/shared';
import { z } from 'zod';
import {
  CreateOrderSchema,
  ExportOrdersQuerySchema,
  ListOrdersQuerySchema,
  OrderPageSchema,
  OrderSchema,
  PatchOrderSchema,
  ReplaceOrderSchema,
} from '../orders/schemas.js';
import { BatchRequestSchema, BatchResponseSchema } from '../routes/batch.js';
import {
  ReportAcceptedSchema,
  ReportRequestSchema,
  ReportSchema,
} from '../routes/report-schemas.js';
import { SignupRequestSchema, SignupSchema } from '../routes/signup-schemas.js';

const Envelope = ErrorEnvelopeSchema.meta({ id: 'ErrorEnvelope' });

const JSON_MEDIA = 'application/json';

const H = {
  requestId: {
    description: "The request id (the caller's X-Request-Id when valid).",
    schema: { type: 'string' as const },
  },
  etag: {
    description: 'Version of the order; send it back in If-Match.',
    schema: { type: 'string' as const },
  },
  location: { description: 'URL of the created resource.', schema: { type: 'string' as const } },
  replayed: {
    description:
      '`true` when this is the stored response of an earlier request with the same Idempotency-Key.',
    schema: { type: 'string' as const, enum: ['true'] },
  },
  allow: { description: 'Methods this path answers.', schema: { type: 'string' as const } },
  retryAfter: {
    description: 'Seconds to wait before retrying.',
    schema: { type: 'string' as const },
  },
};

type Responses = RouteConfig['responses'];

const ERROR_TEXT: Record<number, string> = {
  400: '`invalid_json`: the body is not JSON; `invalid_request`: the URL cannot be decoded.',
  401: '`unauthorized`: missing or invalid gateway identity token.',
  404: "Not found (`order_not_found`, `report_not_found`; never reveals another customer's resources).",
  405: '`method_not_allowed`, with `Allow`.',
  409: 'Conflict: `invalid_state_transition`, `order_not_editable`, `idempotency_key_in_use`, `signup_exists`.',
  412: '`precondition_failed`: If-Match does not match the current ETag.',
  413: '`payload_too_large`: body over 1 MiB.',
  415: '`unsupported_media_type`: send `application/json`.',
  422: '`validation_failed` (first failing field in `field`, all in `details`), `idempotency_key_reused`, `nested_batch`, and domain rules such as `callback_url_not_allowed`.',
  500: '`internal_error`.',
  503: '`service_unavailable`: the database (or the gateway key set) is unreachable.',
};

function errors(...statuses: number[]): Responses {
  const out: Responses = {};
  for (const s of statuses) {
    out[s] = {
      description: ERROR_TEXT[s] ?? 'Error.',
      headers: { 'X-Request-Id': H.requestId, ...(s === 405 ? { Allow: H.allow } : {}) },
      content: { [JSON_MEDIA]: { schema: Envelope } },
    };
  }
  return out;
}

const V1_ERRORS = [400, 401, 405, 500, 503];
const BODY_ERRORS = [400, 413, 415, 422];

function json(description: string, schema: z.ZodType, headers: Record<string, unknown> = {}) {
  return {
    description,
    headers: { 'X-Request-Id': H.requestId, ...headers },
    content: { [JSON_MEDIA]: { schema } },
  };
}

const IdParams = z.object({ id: z.string().meta({ description: 'Order id (`ord_…`).' }) });
const ReportIdParams = z.object({
  id: z.string().meta({ description: 'Report job id (`rep_…`).' }),
});
const IdempotencyHeaders = z.object({
  'idempotency-key': z.string().min(1).max(255).optional().meta({
    description:
      'Makes the POST safe to retry for 24 h: same key + same body → the stored response, replayed; different body → 422 `idempotency_key_reused`; still running → 409 `idempotency_key_in_use`. Per customer.',
  }),
});
const IfMatchHeaders = z.object({
  'if-match': z
    .string()
    .optional()
    .meta({ description: 'ETag from a read; stale → 412 `precondition_failed`.' }),
});
const body = (schema: z.ZodType, description: string) => ({
  description,
  required: true,
  content: { [JSON_MEDIA]: { schema } },
});
const security = [{ GatewayIdentity: [] }];

export function buildRegistry(): OpenAPIRegistry {
  const r = new OpenAPIRegistry();
  r.registerComponent('securitySchemes', 'GatewayIdentity', {
    type: 'apiKey',
    in: 'header',
    name: IDENTITY_HEADER,
    description:
      'Short-lived EdDSA JWT signed by the Gatehouse gateway (iss `gatehouse-gateway`, aud `orders-api`, sub = customer id). Clients never send it themselves: the gateway adds it.',
  });

  // orders
  r.registerPath({
    method: 'post',
    path: '/v1/orders',
    summary: 'Create an order',
    description:
      'Creates a `pending` order for the calling customer. `total_cents` is computed by the server. Fields the client may not set (`id`, `customer_id`, `status`, `total_cents`, timestamps) are refused with 422.',
    tags: ['orders'],
    security,
    request: { headers: IdempotencyHeaders, body: body(CreateOrderSchema, 'The new order.') },
    responses: {
      201: json('Created.', OrderSchema, {
        Location: H.location,
        ETag: H.etag,
        'Idempotent-Replayed': H.replayed,
      }),
      ...errors(...V1_ERRORS, ...BODY_ERRORS, 409),
    },
  });
  r.registerPath({
    method: 'get',
    path: '/v1/orders',
    summary: 'List orders',
    description:
      "The caller's orders in creation order (`created_at`, then `id`), a page at a time. Pass `next_cursor` back as `cursor` for the next page.",
    tags: ['orders'],
    security,
    request: { query: ListOrdersQuerySchema },
    responses: { 200: json('A page of orders.', OrderPageSchema), ...errors(...V1_ERRORS, 422) },
  });
  r.registerPath({
    method: 'get',
    path: '/v1/orders/{id}',
    summary: 'Get an order',
    tags: ['orders'],
    security,
    request: {
      params: IdParams,
      headers: z.object({
        'if-none-match': z
          .string()
          .optional()
          .meta({ description: 'ETag from an earlier read; unchanged → 304.' }),
      }),
    },
    responses: {
      200: json('The order.', OrderSchema, { ETag: H.etag }),
      304: { description: 'Not modified: the order still has the ETag sent in If-None-Match.' },
      ...errors(...V1_ERRORS, 404, 422),
    },
  });
  r.registerPath({
    method: 'put',
    path: '/v1/orders/{id}',
    summary: 'Replace an order',
    description:
      'Replaces items, currency and notes (absent notes are cleared). `status`, when present, must be a permitted transition: pending → paid → shipped, pending|paid → cancelled. Items and currency change only while pending.',
    tags: ['orders'],
    security,
    request: {
      params: IdParams,
      headers: IfMatchHeaders,
      body: body(ReplaceOrderSchema, 'The new state.'),
    },
    responses: {
      200: json('The updated order.', OrderSchema, { ETag: H.etag }),
      ...errors(...V1_ERRORS, ...BODY_ERRORS, 404, 409, 412),
    },
  });
  r.registerPath({
    method: 'patch',
    path: '/v1/orders/{id}',
    summary: 'Update part of an order',
    description:
      'Any subset of items, currency, notes (`null` clears) and status (checked transition).',
    tags: ['orders'],
    security,
    request: {
      params: IdParams,
      headers: IfMatchHeaders,
      body: body(PatchOrderSchema, 'The fields to change.'),
    },
    responses: {
      200: json('The updated order.', OrderSchema, { ETag: H.etag }),
      ...errors(...V1_ERRORS, ...BODY_ERRORS, 404, 409, 412),
    },
  });
  r.registerPath({
    method: 'delete',
    path: '/v1/orders/{id}',
    summary: 'Delete an order',
    tags: ['orders'],
    security,
    request: { params: IdParams, headers: IfMatchHeaders },
    responses: {
      204: { description: 'Deleted.', headers: { 'X-Request-Id': H.requestId } },
      ...errors(...V1_ERRORS, 404, 412, 422),
    },
  });

  // batch
  r.registerPath({
    method: 'post',
    path: '/v1/batch',
    summary: 'Run up to 50 requests in one call',
    description:
      "Each sub-request runs in order through the same routes, validation and auth as a direct call, with the caller's identity. One response per sub-request, in order; a failing sub-request does not stop the others. A batch inside a batch is refused (422 `nested_batch`).",
    tags: ['batch'],
    security,
    request: { headers: IdempotencyHeaders, body: body(BatchRequestSchema, 'The sub-requests.') },
    responses: {
      200: json('One response per sub-request.', BatchResponseSchema, {
        'Idempotent-Replayed': H.replayed,
      }),
      ...errors(...V1_ERRORS, ...BODY_ERRORS, 409),
    },
  });

  // reports
  r.registerPath({
    method: 'post',
    path: '/v1/reports',
    summary: 'Start a report (async job)',
    description:
      'Order totals per day over `[from, to]`, computed by a durable background job. Poll `status_url`; an optional `callback_url` receives a signed webhook when the job ends.',
    tags: ['reports'],
    security,
    request: {
      headers: IdempotencyHeaders,
      body: body(ReportRequestSchema, 'The report to compute.'),
    },
    responses: {
      202: json('Accepted; the job is queued.', ReportAcceptedSchema, {
        Location: H.location,
        'Idempotent-Replayed': H.replayed,
      }),
      ...errors(...V1_ERRORS, ...BODY_ERRORS, 409),
    },
  });
  r.registerPath({
    method: 'get',
    path: '/v1/reports/{id}',
    summary: 'Get a report job',
    tags: ['reports'],
    security,
    request: { params: ReportIdParams },
    responses: {
      200: json('The job and, when done, its result.', ReportSchema),
      ...errors(...V1_ERRORS, 404),
    },
  });

  // signups
  r.registerPath({
    method: 'post',
    path: '/v1/signups',
    summary: 'Sign up',
    description: 'Records a signup; the welcome e-mail is a durable job delivered to an outbox.',
    tags: ['signups'],
    security,
    request: { headers: IdempotencyHeaders, body: body(SignupRequestSchema, 'Who signs up.') },
    responses: {
      201: json('Created.', SignupSchema, {
        Location: H.location,
        'Idempotent-Replayed': H.replayed,
      }),
      ...errors(...V1_ERRORS, ...BODY_ERRORS, 409),
    },
  });

  // export
  r.registerPath({
    method: 'get',
    path: '/v1/export/orders',
    summary: 'Export orders as NDJSON',
    description:
      'Every matching order, one JSON object per line, streamed from a database cursor. A failure mid-stream cuts the connection; a complete export ends with a newline.',
    tags: ['orders'],
    security,
    request: { query: ExportOrdersQuerySchema },
    responses: {
      200: {
        description: 'One order per line.',
        headers: { 'X-Request-Id': H.requestId },
        content: { 'application/x-ndjson': { schema: OrderSchema } },
      },
      ...errors(...V1_ERRORS, 422),
    },
  });

  // operations
  r.registerPath({
    method: 'get',
    path: '/healthz',
    summary: 'Liveness',
    tags: ['operations'],
    responses: {
      200: json('The process is up.', z.object({ status: z.literal('ok') })),
      ...errors(405),
    },
  });
  r.registerPath({
    method: 'get',
    path: '/readyz',
    summary: 'Readiness (database reachable)',
    tags: ['operations'],
    responses: {
      200: json('Ready.', z.object({ status: z.literal('ready') })),
      ...errors(405, 503),
    },
  });
  r.registerPath({
    method: 'get',
    path: '/openapi.json',
    summary: 'This document',
    tags: ['operations'],
    responses: {
      200: json('OpenAPI 3.1 document.', z.record(z.string(), z.unknown()), { ETag: H.etag }),
      304: { description: 'Not modified (If-None-Match matched the ETag).' },
      ...errors(405),
    },
  });
  r.registerPath({
    method: 'get',
    path: '/docs',
    summary: 'Human-readable documentation (HTML, self-contained)',
    tags: ['operations'],
    responses: {
      200: { description: 'HTML page.', content: { 'text/html': { schema: z.string() } } },
      ...errors(405),
    },
  });
  return r;
}

let cached: Record<string, unknown> | undefined;

export function openApiDocument(): Record<string, unknown> {
  cached ??= new OpenApiGeneratorV31(buildRegistry().definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Gatehouse orders API',
      version: '1.0.0',
      description:
        'Orders, batch, async reports, signups and export behind the Gatehouse gateway. JSON in snake_case. Every error is `{"error": {"code", "message", "field"?, "details"?, "request_id"}}`. Unknown routes answer 404 `not_found`; known routes with another method 405 with `Allow`.',
    },
    servers: [{ url: '/' }],
  }) as unknown as Record<string, unknown>;
  return cached;
}
