import type { EndpointRow, RequestEvent, StatusRow } from '@gatehouse/shared';

export const ENDPOINT_SORT_KEYS = [
  'route',
  'method',
  'requests',
  'error_rate',
  'p50_ms',
  'p95_ms',
  'p99_ms',
] as const;
export type EndpointSortKey = (typeof ENDPOINT_SORT_KEYS)[number];

export function endpointKey(row: Pick<EndpointRow, 'method' | 'route'>): string {
  return `${row.method} ${row.route}`;
}

/** The `n` slowest requests of a sample, slowest first; ties keep newest first. */
export function slowestRequests(events: readonly RequestEvent[], n: number): RequestEvent[] {
  return [...events].sort((a, b) => b.latency_ms - a.latency_ms || b.ts_ms - a.ts_ms).slice(0, n);
}

export interface StatusMixRow {
  label: '2xx' | '3xx' | '4xx' | '5xx';
  requests: number;
  share: number;
}

/** Groups status codes into classes with each class's share of the total (0..1). */
export function statusMix(rows: readonly StatusRow[]): StatusMixRow[] {
  const totals = { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 };
  for (const r of rows) {
    const cls = r.status >= 500 ? '5xx' : r.status >= 400 ? '4xx' : r.status >= 300 ? '3xx' : '2xx';
    totals[cls] += r.requests;
  }
  const sum = totals['2xx'] + totals['3xx'] + totals['4xx'] + totals['5xx'];
  return (Object.keys(totals) as StatusMixRow['label'][]).map((label) => ({
    label,
    requests: totals[label],
    share: sum === 0 ? 0 : totals[label] / sum,
  }));
}
