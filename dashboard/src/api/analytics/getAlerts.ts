import { AppError } from '../errors.js';
import { asItems, type HttpClient } from '../http.js';

/**
 * The collector's alerting API (`/api/v1/alerts/{rules|firing|history}`). A collector started
 * without alerting answers 404: these calls then give `null` ("not configured") instead of
 * failing the page.
 */
export interface AlertItem {
  id?: string;
  name?: string;
  rule?: string;
  state?: string;
  severity?: string;
  summary?: string;
  started_at?: string;
  ended_at?: string;
  value?: number | null;
  [key: string]: unknown;
}

export interface AlertTargetView {
  type: 'webhook' | 'slack';
  url: string;
  has_secret: boolean;
}

/** A rule as `GET /api/v1/alerts/rules` lists it, with its current state. */
export interface AlertRule extends AlertItem {
  id: string;
  name: string;
  kind: 'threshold' | 'burn_rate';
  scope: 'all' | 'route' | 'customer' | 'route_customer';
  route: string | null;
  customer_id: string | null;
  metric: AlertMetric | null;
  threshold: number | null;
  resolve_threshold: number | null;
  effective_resolve_threshold: number | null;
  window: string;
  min_requests: number;
  for: string;
  objective: number | null;
  slo_period: string;
  burn_windows: { long: string; short: string; factor: number }[] | null;
  severity: 'critical' | 'warning' | 'info';
  targets: AlertTargetView[];
  enabled: boolean;
  state: 'ok' | 'pending' | 'firing';
  state_since: string | null;
  requests: number | null;
}

/**
 * One notification to one target (the collector's outbox row). `url` is the target as
 * configured, secret path and all (a Slack webhook URL is its own credential): show it only
 * through `targetLabel`.
 */
export interface AlertDelivery {
  notification_id: string;
  type: 'webhook' | 'slack';
  url: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  created_at: string;
  last_attempt_at: string | null;
  /** When the next attempt is due; pending only. */
  next_attempt_at: string | null;
  finished_at: string | null;
}

/** One state change (`GET /api/v1/alerts/history`). */
export interface AlertHistoryEntry extends AlertItem {
  id: string;
  rule_id: string;
  name: string;
  from_state: string;
  to_state: string;
  value: number;
  threshold: number;
  requests: number;
  at: string;
  details: Record<string, unknown>;
  /** Per target, for firing and resolved changes; absent from collectors before the outbox. */
  deliveries?: AlertDelivery[];
  /**
   * Before the outbox: per target `{url, type, ok, attempts, status?, error?}` once all were
   * done, null while any was pending. Read only when `deliveries` is empty.
   */
  notification?: unknown;
}

export const ALERT_METRICS = [
  'error_rate_5xx',
  'rate_4xx',
  'rate_429',
  'p95_ms',
  'p99_ms',
] as const;
export type AlertMetric = (typeof ALERT_METRICS)[number];

export type AlertKind = 'rules' | 'firing' | 'history';

export async function getAlerts(
  client: HttpClient,
  kind: AlertKind,
  signal?: AbortSignal,
): Promise<AlertItem[] | null> {
  try {
    const body = await client.request<unknown>('GET', `/alerts/${kind}`, {
      ...(signal ? { signal } : {}),
    });
    return asItems<AlertItem>(body);
  } catch (err) {
    if (err instanceof AppError && (err.kind === 'not_found' || err.status === 501)) return null;
    throw err;
  }
}
