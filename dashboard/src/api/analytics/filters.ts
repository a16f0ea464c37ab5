import type { Query } from '../http.js';
import { type TimeWindow, windowQuery } from '../../utils/timeRange.js';

/** Filters the query API accepts on most endpoints, besides the time window. */
export interface AnalyticsFilters {
  route?: string;
  method?: string;
  customer_id?: string;
  status_class?: string;
}

export function analyticsQuery(window: TimeWindow, filters: AnalyticsFilters = {}): Query {
  return { ...windowQuery(window), ...filters };
}
