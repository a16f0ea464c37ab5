import type { HttpClient } from '../http.js';
import type { AlertMetric, AlertRule } from './getAlerts.js';

/** The body of `POST /api/v1/alerts/rules` (fields left out take the collector's defaults). */
export interface AlertRuleInput {
  name: string;
  kind: 'threshold' | 'burn_rate';
  route?: string | null;
  customer_id?: string | null;
  metric?: AlertMetric;
  threshold?: number;
  window?: string;
  min_requests?: number;
  for?: string;
  objective?: number;
  severity?: 'critical' | 'warning' | 'info';
  targets?: { type: 'webhook' | 'slack'; url: string; secret?: string }[];
}

export function createAlertRule(client: HttpClient, input: AlertRuleInput): Promise<AlertRule> {
  return client.request<AlertRule>('POST', '/alerts/rules', { body: input });
}
