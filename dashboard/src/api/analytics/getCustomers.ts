import type { CustomerRow } from '@gatehouse/shared';
import { asItems, type HttpClient } from '../http.js';
import type { TimeWindow } from '../../utils/timeRange.js';
import { type AnalyticsFilters, analyticsQuery } from './filters.js';

export async function getCustomers(
  client: HttpClient,
  window: TimeWindow,
  filters: AnalyticsFilters & { limit?: number } = {},
  signal?: AbortSignal,
): Promise<CustomerRow[]> {
  const { limit, ...rest } = filters;
  const body = await client.request<unknown>('GET', '/customers', {
    query: { ...analyticsQuery(window, rest), limit },
    ...(signal ? { signal } : {}),
  });
  return asItems<CustomerRow>(body);
}
