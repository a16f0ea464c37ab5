import type { ErrorCodeRow } from '@gatehouse/shared';
import { asItems, type HttpClient } from '../http.js';
import type { TimeWindow } from '../../utils/timeRange.js';
import { type AnalyticsFilters, analyticsQuery } from './filters.js';

/** Top error codes (`/api/v1/errors`). */
export async function getErrorCodes(
  client: HttpClient,
  window: TimeWindow,
  filters?: AnalyticsFilters,
  signal?: AbortSignal,
): Promise<ErrorCodeRow[]> {
  const body = await client.request<unknown>('GET', '/errors', {
    query: analyticsQuery(window, filters),
    ...(signal ? { signal } : {}),
  });
  return asItems<ErrorCodeRow>(body);
}
