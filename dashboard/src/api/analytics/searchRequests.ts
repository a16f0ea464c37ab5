import type { RequestLogPage } from '@gatehouse/shared';
import type { HttpClient } from '../http.js';
import { type TimeWindow, windowQuery } from '../../utils/timeRange.js';

export interface RequestSearch {
  request_id?: string;
  customer_id?: string;
  route?: string;
  method?: string;
  status?: string;
  cursor?: string;
  limit?: number;
}

/** Request log search, newest first, cursor-paginated (`/api/v1/requests`). */
export async function searchRequests(
  client: HttpClient,
  window: TimeWindow,
  search: RequestSearch,
  signal?: AbortSignal,
): Promise<RequestLogPage> {
  const body = await client.request<Partial<RequestLogPage> | undefined>('GET', '/requests', {
    query: { ...windowQuery(window), ...search },
    ...(signal ? { signal } : {}),
  });
  return {
    items: Array.isArray(body?.items) ? body.items : [],
    has_more: body?.has_more === true,
    next_cursor: body?.next_cursor ?? null,
  };
}
