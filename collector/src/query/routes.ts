/** The query API under `/api/v1/` (operator token). Handlers: parse → window → one query. */
import {
  ApiError,
  type CustomersResponse,
  type EndpointsResponse,
  type ErrorCodesResponse,
  type Overview,
  type RequestLogPage,
  type StatusCodesResponse,
  type Timeseries,
  type UsageReport,
} from '@gatehouse/shared';
import { type Request, type RequestHandler, type Response, Router } from 'express';
import type { AnalyticsQueries } from '../clickhouse/analytics-queries.js';
import { ClickHouseError } from '../clickhouse/client.js';
import { CollectorErrors } from '../errors.js';
import { bearerAuth } from '../http/bearer-auth.js';
import {
  CustomersQuery,
  decodeCursor,
  EndpointsQuery,
  ErrorsQuery,
  echo,
  encodeCursor,
  MAX_AGGREGATE_SPAN_MS,
  MAX_SEARCH_SPAN_MS,
  OverviewQuery,
  parseQuery,
  RequestsQuery,
  resolveWindow,
  TimeseriesQuery,
  UsageQuery,
} from './params.js';

/** ClickHouse failures become 503 (retryable); anything else is ours (500 via the handler). */
function handler(fn: (req: Request, res: Response) => Promise<unknown>): RequestHandler {
  return async function queryHandler(req, res) {
    let body: unknown;
    try {
      body = await fn(req, res);
    } catch (err) {
      if (!(err instanceof ClickHouseError)) throw err;
      throw new ApiError(CollectorErrors.service_unavailable, {
        message: 'The analytics store did not answer; retry later.',
        cause: err,
      });
    }
    res.setHeader('Cache-Control', 'no-store');
    res.json(body);
  };
}

export function queryRoutes(queries: AnalyticsQueries, adminToken: string): Router {
  const router = Router();
  router.use('/api/v1', bearerAuth(adminToken, 'query'));

  router.get(
    '/api/v1/overview',
    handler(async (req): Promise<Overview> => {
      const p = parseQuery(OverviewQuery, req.query);
      const w = resolveWindow(p, MAX_AGGREGATE_SPAN_MS);
      const o = await queries.overview(w, p);
      const seconds = (w.toMs - w.fromMs) / 1000;
      return { range: echo(w), ...o, rps: Math.round((o.requests / seconds) * 1000) / 1000 };
    }),
  );

  router.get(
    '/api/v1/endpoints',
    handler(async (req): Promise<EndpointsResponse> => {
      const p = parseQuery(EndpointsQuery, req.query);
      const w = resolveWindow(p, MAX_AGGREGATE_SPAN_MS);
      return { range: echo(w), items: await queries.endpoints(w, p, p.sort, p.order, p.limit) };
    }),
  );

  router.get(
    '/api/v1/customers',
    handler(async (req): Promise<CustomersResponse> => {
      const p = parseQuery(CustomersQuery, req.query);
      const w = resolveWindow(p, MAX_AGGREGATE_SPAN_MS);
      return { range: echo(w), items: await queries.customers(w, p, p.sort, p.order, p.limit) };
    }),
  );

  router.get(
    '/api/v1/timeseries',
    handler(async (req): Promise<Timeseries> => {
      const p = parseQuery(TimeseriesQuery, req.query);
      const w = resolveWindow(p, MAX_AGGREGATE_SPAN_MS);
      return { range: echo(w), ...(await queries.timeseries(w, p)) };
    }),
  );

  router.get(
    '/api/v1/status-codes',
    handler(async (req): Promise<StatusCodesResponse> => {
      const p = parseQuery(OverviewQuery, req.query);
      const w = resolveWindow(p, MAX_AGGREGATE_SPAN_MS);
      return { range: echo(w), items: await queries.statusCodes(w, p) };
    }),
  );

  router.get(
    '/api/v1/errors',
    handler(async (req): Promise<ErrorCodesResponse> => {
      const p = parseQuery(ErrorsQuery, req.query);
      const w = resolveWindow(p, MAX_AGGREGATE_SPAN_MS);
      return { range: echo(w), items: await queries.errorCodes(w, p, p.limit) };
    }),
  );

  router.get(
    '/api/v1/usage',
    handler(async (req): Promise<UsageReport> => {
      const p = parseQuery(UsageQuery, req.query);
      const w = resolveWindow(p, MAX_AGGREGATE_SPAN_MS, '24h');
      const u = await queries.usage(w, p.customer_id);
      return { customer_id: p.customer_id, range: echo(w), ...u.totals, endpoints: u.endpoints };
    }),
  );

  router.get(
    '/api/v1/requests',
    handler(async (req): Promise<RequestLogPage> => {
      const p = parseQuery(RequestsQuery, req.query);
      const w = resolveWindow(p, MAX_SEARCH_SPAN_MS, '24h');
      const rows = await queries.searchRequests({
        window: w,
        request_id: p.request_id,
        customer_id: p.customer_id,
        route: p.route,
        method: p.method,
        status: p.status,
        before: p.cursor !== undefined ? decodeCursor(p.cursor) : undefined,
        limit: p.limit + 1,
      });
      const items = rows.slice(0, p.limit);
      const last = items[items.length - 1];
      const hasMore = rows.length > p.limit && last !== undefined;
      return { items, has_more: hasMore, next_cursor: hasMore ? encodeCursor(last) : null };
    }),
  );

  router.get(
    '/api/v1/requests/:request_id',
    handler(async (req) => {
      const id = String(req.params.request_id);
      if (id.length === 0 || id.length > 128) {
        throw new ApiError(CollectorErrors.invalid_query, {
          field: 'request_id',
          message: 'request_id must be 1..128 characters.',
        });
      }
      const event = await queries.getRequest(id);
      if (!event) throw new ApiError(CollectorErrors.request_not_found);
      return event;
    }),
  );

  return router;
}
