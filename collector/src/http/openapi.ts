/** The collector's OpenAPI 3.1 document, generated from the zod schemas that validate requests. */
import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import {
  ErrorEnvelopeSchema,
  EVENT_BATCH_CONTENT_TYPE,
  RequestEventSchema,
} from '@gatehouse/shared';
import { z } from 'zod';
import { registerAlertPaths } from '../alerts/openapi.js';
import {
  CustomersQuery,
  EndpointsQuery,
  ErrorsQuery,
  OverviewQuery,
  RequestsQuery,
  TimeseriesQuery,
  UsageQuery,
} from '../query/params.js';

const Envelope = ErrorEnvelopeSchema.meta({ id: 'ErrorEnvelope' });
const Event = RequestEventSchema.meta({ id: 'RequestEvent' });
const Range = z.object({ from: z.string(), to: z.string() }).meta({ id: 'RangeEcho' });
const Stats = {
  requests: z.number().int(),
  errors: z.number().int().describe('Responses with status >= 400.'),
  error_rate: z.number().describe('errors / requests, 0..1.'),
  p50_ms: z.number(),
  p95_ms: z.number(),
  p99_ms: z.number(),
};
const Overview = z
  .object({ range: Range, ...Stats, rps: z.number(), rate_limited: z.number().int() })
  .meta({ id: 'Overview' });
const EndpointRow = z
  .object({ route: z.string(), method: z.string(), ...Stats, bytes_out: z.number().int() })
  .meta({ id: 'EndpointRow' });
const CustomerRow = z
  .object({ customer_id: z.string(), ...Stats, rate_limited: z.number().int() })
  .meta({ id: 'CustomerRow' });
const Timeseries = z
  .object({
    range: Range,
    bucket_seconds: z.number().int(),
    points: z.array(
      z.object({ ts: z.number().int().describe('Bucket start, epoch ms.'), ...Stats }),
    ),
  })
  .meta({ id: 'Timeseries' });
const list = <T extends z.ZodType>(item: T) => z.object({ range: Range, items: z.array(item) });
const StatusRow = z.object({ status: z.number().int(), requests: z.number().int() });
const ErrorCodeRow = z.object({
  error_code: z.string(),
  status: z.number().int(),
  requests: z.number().int(),
});
const Usage = z
  .object({
    customer_id: z.string(),
    range: Range,
    ...Stats,
    rate_limited: z.number().int(),
    bytes_in: z.number().int(),
    bytes_out: z.number().int(),
    endpoints: z.array(EndpointRow),
  })
  .meta({ id: 'UsageReport' });
const RequestPage = z.object({
  items: z.array(Event),
  has_more: z.boolean(),
  next_cursor: z.string().nullable(),
});
const IngestResult = z.object({ accepted: z.number().int(), duplicates: z.number().int() });

const json = (schema: z.ZodType, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const errors = (...codes: [number, string][]): RouteConfig['responses'] =>
  Object.fromEntries(codes.map(([s, d]) => [String(s), json(Envelope, d)]));
const queryErrors = errors(
  [401, '`unauthorized`: missing or wrong operator token.'],
  [422, '`invalid_query` (field named) or `range_too_large`.'],
  [503, '`service_unavailable`: ClickHouse did not answer.'],
);

export function buildOpenApiDocument(): object {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'operator', { type: 'http', scheme: 'bearer' });
  registry.registerComponent('securitySchemes', 'ingest', { type: 'http', scheme: 'bearer' });
  const op = [{ operator: [] }];

  registry.registerPath({
    method: 'post',
    path: '/v1/events',
    summary: 'Ingest a batch of request events (NDJSON or an event batch, optionally gzip).',
    description:
      'NDJSON: one `RequestEvent` per line, positional (a JSON array of its values in schema order) or as an object; a batch may mix both. Event batch (`application/vnd.gatehouse.event-batch`, what the gateway sends): the binary layout of `packages/shared/src/event-batch.ts`; a body that cannot be read as a whole is refused with 400 `invalid_event_batch`. All-or-nothing: one invalid event refuses the whole batch (422 `invalid_events`, reasons in `details.rows`, `line` being the 1-based NDJSON line, or in an event batch the 1-based position of the event). 200 only after ClickHouse stored the rows; events whose request_id is already stored are acknowledged as `duplicates` and not stored again.',
    security: [{ ingest: [] }],
    request: {
      body: {
        content: {
          'application/x-ndjson': { schema: z.string() },
          [EVENT_BATCH_CONTENT_TYPE]: { schema: z.string().meta({ format: 'binary' }) },
        },
      },
    },
    responses: {
      200: json(IngestResult, 'Stored.'),
      ...errors(
        [
          400,
          '`invalid_event_batch`: the event batch is unreadable (message says where); nothing stored.',
        ],
        [401, '`unauthorized`'],
        [413, '`payload_too_large`'],
        [
          415,
          '`unsupported_encoding`, or `unsupported_event_batch_version` (an event batch of a version this collector does not read: senders keep it for an upgraded collector)',
        ],
        [422, '`invalid_events`'],
        [
          503,
          '`ingest_overloaded` or `clickhouse_unavailable` (with Retry-After); nothing stored, retry.',
        ],
      ),
    },
  });
  const get = (
    path: string,
    summary: string,
    query: z.ZodObject,
    ok: z.ZodType,
    extra: RouteConfig['responses'] = {},
  ) =>
    registry.registerPath({
      method: 'get',
      path,
      summary,
      security: op,
      request: { query },
      responses: { 200: json(ok, 'OK'), ...queryErrors, ...extra },
    });
  get(
    '/api/v1/overview',
    'Requests, RPS, error rate and latency percentiles for a range.',
    OverviewQuery,
    Overview,
  );
  get('/api/v1/endpoints', 'Per route and method, sortable.', EndpointsQuery, list(EndpointRow));
  get('/api/v1/customers', 'Per customer, sortable.', CustomersQuery, list(CustomerRow));
  get(
    '/api/v1/timeseries',
    'Time series with an automatic bucket size.',
    TimeseriesQuery,
    Timeseries,
  );
  get('/api/v1/status-codes', 'Requests per status code.', OverviewQuery, list(StatusRow));
  get('/api/v1/errors', 'Top error codes.', ErrorsQuery, list(ErrorCodeRow));
  get('/api/v1/usage', "One customer's usage (the gateway's GET /v1/usage).", UsageQuery, Usage);
  get(
    '/api/v1/requests',
    'Request search, newest first, cursor-paginated.',
    RequestsQuery,
    RequestPage,
  );
  registry.registerPath({
    method: 'get',
    path: '/api/v1/requests/{request_id}',
    summary: 'One stored request event.',
    security: op,
    request: { params: z.object({ request_id: z.string().min(1).max(128) }) },
    responses: { 200: json(Event, 'OK'), ...queryErrors, ...errors([404, '`request_not_found`']) },
  });

  // alerts
  registerAlertPaths(registry);

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Gatehouse collector',
      version: '0.1.0',
      description: 'Analytics ingest and query API.',
    },
  });
}
