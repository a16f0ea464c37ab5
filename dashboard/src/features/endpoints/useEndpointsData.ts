import type { EndpointRow } from '@gatehouse/shared';
import { getEndpoints } from '../../api/analytics/getEndpoints.js';
import { getTimeseries } from '../../api/analytics/getTimeseries.js';
import { useClients } from '../../auth/AuthContext.js';
import { useRemote } from '../../hooks/useRemote.js';
import { type SortState, sortRows } from '../../utils/sortRows.js';
import { type TimeWindow, windowKey } from '../../utils/timeRange.js';
import { type EndpointSortKey, endpointKey } from './utils.js';

/** Sparklines are drawn for this many busiest endpoints (one timeseries call each). */
const SPARKLINES = 20;

export function useEndpointsData(
  window: TimeWindow,
  sort: SortState<EndpointSortKey>,
  tick: number,
) {
  const { analytics } = useClients();
  const key = `${windowKey(window)}#${tick}`;
  const list = useRemote(key, (signal) => getEndpoints(analytics, window, { limit: 200 }, signal));

  const busiest = list.data ? sortRows(list.data, 'requests', 'desc').slice(0, SPARKLINES) : [];
  const sparkKey = list.data ? `${key}|${busiest.map(endpointKey).join(',')}` : null;
  const sparks = useRemote(sparkKey, async (signal) => {
    const results = await Promise.allSettled(
      busiest.map((e) =>
        getTimeseries(analytics, window, { route: e.route, method: e.method }, signal),
      ),
    );
    const map = new Map<string, number[]>();
    results.forEach((r, i) => {
      const e = busiest[i];
      if (r.status === 'fulfilled' && e) {
        map.set(
          endpointKey(e),
          [...r.value.points].sort((a, b) => a.ts - b.ts).map((p) => p.requests),
        );
      }
    });
    return map;
  });

  const rows: EndpointRow[] | undefined = list.data
    ? sortRows(list.data, sort.key, sort.order)
    : undefined;
  return { ...list, data: rows, sparklines: sparks.data };
}
