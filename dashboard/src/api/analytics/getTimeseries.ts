import type { Timeseries } from '@gatehouse/shared';
import type { HttpClient } from '../http.js';
import type { TimeWindow } from '../../utils/timeRange.js';
import { type AnalyticsFilters, analyticsQuery } from './filters.js';

export async function getTimeseries(
  client: HttpClient,
  window: TimeWindow,
  filters?: AnalyticsFilters,
  signal?: AbortSignal,
): Promise<Timeseries> {
  const body = await client.request<Timeseries>('GET', '/timeseries', {
    query: analyticsQuery(window, filters),
    ...(signal ? { signal } : {}),
  });
  return { ...body, points: Array.isArray(body?.points) ? body.points : [] };
}
