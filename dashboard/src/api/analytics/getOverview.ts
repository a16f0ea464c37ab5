import type { Overview } from '@gatehouse/shared';
import type { HttpClient } from '../http.js';
import type { TimeWindow } from '../../utils/timeRange.js';
import { type AnalyticsFilters, analyticsQuery } from './filters.js';

export function getOverview(
  client: HttpClient,
  window: TimeWindow,
  filters?: AnalyticsFilters,
  signal?: AbortSignal,
): Promise<Overview> {
  return client.request<Overview>('GET', '/overview', {
    query: analyticsQuery(window, filters),
    ...(signal ? { signal } : {}),
  });
}
