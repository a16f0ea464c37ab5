import type { RequestEvent } from '@gatehouse/shared';
import type { RequestSearch } from '../../api/analytics/searchRequests.js';

export const REQUEST_FILTERS = ['request_id', 'customer_id', 'route', 'method', 'status'] as const;
export type RequestFilterName = (typeof REQUEST_FILTERS)[number];

/** The request log's filters from the URL; blank ones are left out. */
export function parseRequestFilters(params: URLSearchParams): RequestSearch {
  const out: RequestSearch = {};
  for (const name of REQUEST_FILTERS) {
    const v = params.get(name)?.trim();
    if (v) out[name] = v;
  }
  return out;
}

/**
 * Live tail: put newly polled events on top of what is shown, without duplicates, newest first,
 * keeping at most `cap` rows so a long-open tab doesn't grow without bound.
 */
export function mergeNewest(
  shown: readonly RequestEvent[],
  polled: readonly RequestEvent[],
  cap: number,
): RequestEvent[] {
  const seen = new Set<string>();
  const out: RequestEvent[] = [];
  for (const e of [...polled, ...shown]) {
    if (seen.has(e.request_id)) continue;
    seen.add(e.request_id);
    out.push(e);
  }
  out.sort((a, b) => b.ts_ms - a.ts_ms);
  return out.slice(0, cap);
}
