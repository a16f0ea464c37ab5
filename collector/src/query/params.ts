/**
 * Query-string schemas of the query API: they validate requests and generate the OpenAPI
 * document. Time: `range=15m|1h|24h|7d` or `from`/`to` (RFC 3339, `to` defaults to now).
 */
import { ApiError, CUSTOMER_SORT_KEYS, ENDPOINT_SORT_KEYS, TIME_RANGES } from '@gatehouse/shared';
import { z } from 'zod';
import type { Window } from '../clickhouse/analytics-queries.js';
import { CollectorErrors } from '../errors.js';

/** Aggregates read the rollup beyond an hour; still, refuse windows past a quarter. */
export const MAX_AGGREGATE_SPAN_MS = 92 * 86_400_000;
/** Request search reads raw rows (kept 30 days). */
export const MAX_SEARCH_SPAN_MS = 31 * 86_400_000;

const RANGE_MS: Record<(typeof TIME_RANGES)[number], number> = {
  '15m': 15 * 60_000,
  '1h': 60 * 60_000,
  '24h': 24 * 60 * 60_000,
  '7d': 7 * 24 * 60 * 60_000,
};

const text = (max: number) => z.string().min(1).max(max);

export const TimeParams = z.object({
  range: z
    .enum(TIME_RANGES)
    .optional()
    .describe('Relative window ending now; default 1h (24h for request search).'),
  from: z.iso.datetime({ offset: true }).optional().describe('RFC 3339 start (inclusive).'),
  to: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('RFC 3339 end (exclusive); default now.'),
});

export const FilterParams = z.object({
  route: text(512).optional().describe('Route template, e.g. /v1/orders/{id}.'),
  method: text(16).optional(),
  customer_id: text(128).optional(),
  status_class: z.coerce.number().int().min(1).max(5).optional().describe('1..5 for 1xx..5xx.'),
});

export const OverviewQuery = TimeParams.extend(FilterParams.shape);
export const TimeseriesQuery = OverviewQuery;
export const EndpointsQuery = OverviewQuery.extend({
  sort: z.enum(ENDPOINT_SORT_KEYS).default('requests'),
  order: z.enum(['asc', 'desc']).default('desc'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export const CustomersQuery = OverviewQuery.extend({
  sort: z.enum(CUSTOMER_SORT_KEYS).default('requests'),
  order: z.enum(['asc', 'desc']).default('desc'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export const ErrorsQuery = OverviewQuery.extend({
  limit: z.coerce.number().int().min(1).max(1000).default(20),
});
export const UsageQuery = TimeParams.extend({ customer_id: text(128) });
export const RequestsQuery = TimeParams.extend({
  request_id: text(128).optional(),
  customer_id: text(128).optional(),
  route: text(512).optional(),
  method: text(16).optional(),
  status: z.coerce.number().int().min(100).max(599).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional().describe('`next_cursor` of the previous page.'),
});

/** Parses `req.query` with a schema; the first problem becomes a 422 naming the field. */
export function parseQuery<S extends z.ZodType>(schema: S, query: unknown): z.infer<S> {
  const parsed = schema.safeParse(query);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.join('.');
  throw new ApiError(CollectorErrors.invalid_query, {
    field: field || undefined,
    message: `${field || 'query'}: ${issue.message}`,
    details: parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
  });
}

/** Resolves range/from/to into a window and refuses ones over `maxSpanMs`. */
export function resolveWindow(
  p: z.infer<typeof TimeParams>,
  maxSpanMs: number,
  defaultRange: (typeof TIME_RANGES)[number] = '1h',
  nowMs: number = Date.now(),
): Window {
  if (p.range !== undefined && (p.from !== undefined || p.to !== undefined)) {
    throw new ApiError(CollectorErrors.invalid_query, {
      field: 'range',
      message: 'Give either range or from/to, not both.',
    });
  }
  let window: Window;
  if (p.from !== undefined) {
    window = { fromMs: Date.parse(p.from), toMs: p.to !== undefined ? Date.parse(p.to) : nowMs };
  } else if (p.to !== undefined) {
    throw new ApiError(CollectorErrors.invalid_query, {
      field: 'from',
      message: 'from is required with to.',
    });
  } else {
    window = { fromMs: nowMs - RANGE_MS[p.range ?? defaultRange], toMs: nowMs };
  }
  if (!(window.fromMs < window.toMs) || window.fromMs < 0) {
    throw new ApiError(CollectorErrors.invalid_query, {
      field: 'from',
      message: 'from must be before to.',
    });
  }
  if (window.toMs - window.fromMs > maxSpanMs) {
    throw new ApiError(CollectorErrors.range_too_large, {
      field: 'from',
      message: `The time range is longer than ${Math.round(maxSpanMs / 86_400_000)} days; narrow it.`,
      details: { max_seconds: maxSpanMs / 1000 },
    });
  }
  return window;
}

export function echo(w: Window): { from: string; to: string } {
  return { from: new Date(w.fromMs).toISOString(), to: new Date(w.toMs).toISOString() };
}

/** Opaque keyset cursor for request search: the last row's (ts_ms, request_id). */
export function encodeCursor(c: { ts_ms: number; request_id: string }): string {
  return Buffer.from(JSON.stringify([c.ts_ms, c.request_id])).toString('base64url');
}

export function decodeCursor(s: string): { ts_ms: number; request_id: string } {
  try {
    const v: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      Number.isSafeInteger(v[0]) &&
      v[0] >= 0 &&
      typeof v[1] === 'string' &&
      v[1].length <= 128
    ) {
      return { ts_ms: v[0], request_id: v[1] };
    }
  } catch {
    // fall through
  }
  throw new ApiError(CollectorErrors.invalid_query, {
    field: 'cursor',
    message: 'cursor is not valid.',
  });
}
