import type { StatusRow } from '@gatehouse/shared';
import { asItems, type HttpClient } from '../http.js';
import type { TimeWindow } from '../../utils/timeRange.js';
import { type AnalyticsFilters, analyticsQuery } from './filters.js';

export async function getStatusCodes(
  client: HttpClient,
  window: TimeWindow,
  filters?: AnalyticsFilters,
  signal?: AbortSignal,
): Promise<StatusRow[]> {
  const body = await client.request<unknown>('GET', '/status-codes', {
    query: analyticsQuery(window, filters),
    ...(signal ? { signal } : {}),
  });
  return asItems<StatusRow>(body);
}
