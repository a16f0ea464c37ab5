import { TIME_RANGES } from '@gatehouse/shared';
import { ApiError } from '@gatehouse/shared';
import { request } from 'undici';
import { GatewayErrors } from '../errors.js';
import type { LocalHandler } from '../listener/data-plane.js';
import { sendJson } from '../listener/respond.js';

export interface UsageOptions {
  /** The collector's base URL (`COLLECTOR_URL`); the handler answers 503 without it. */
  collectorUrl: string | undefined;
  /** Operator token for the collector's query API. */
  token: string | undefined;
  timeoutMs?: number;
}

/**
 * `GET /v1/usage?range=15m|1h|24h|7d`: the caller's OWN analytics. The customer id comes only
 * from the authenticated caller, never from the query (anything else would let one customer
 * read another's traffic); the gateway asks the collector with the operator token, which the
 * customer never sees.
 */
export function createUsageHandler(opts: UsageOptions): LocalHandler {
  const ranges = new Set<string>(TIME_RANGES);
  return async function usageHandler(ctx) {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      throw new ApiError(GatewayErrors.method_not_allowed, { headers: { allow: 'GET, HEAD' } });
    }
    const params = new URLSearchParams(ctx.query);
    const range = params.get('range') ?? '24h';
    if (!ranges.has(range)) {
      throw new ApiError(GatewayErrors.validation_failed, {
        field: 'range',
        message: `range must be one of ${TIME_RANGES.join(', ')}.`,
      });
    }
    if (!opts.collectorUrl || !opts.token || !ctx.caller) {
      throw new ApiError(GatewayErrors.usage_unavailable);
    }
    const url = new URL('/api/v1/usage', opts.collectorUrl);
    url.searchParams.set('customer_id', ctx.caller.customerId);
    url.searchParams.set('range', range);
    const timeout = opts.timeoutMs ?? 5000;
    let status: number;
    let body: unknown;
    try {
      const res = await request(url, {
        headers: { authorization: `Bearer ${opts.token}`, 'x-request-id': ctx.requestId },
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
      status = res.statusCode;
      if (status === 200) body = await res.body.json();
      else await res.body.dump();
    } catch (error) {
      throw new ApiError(GatewayErrors.usage_unavailable, { cause: error });
    }
    if (status !== 200) throw new ApiError(GatewayErrors.usage_unavailable);
    sendJson(ctx, 200, body);
  };
}
