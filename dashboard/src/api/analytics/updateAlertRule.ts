import type { HttpClient } from '../http.js';
import type { AlertRuleInput } from './createAlertRule.js';
import type { AlertRule } from './getAlerts.js';

/** `PATCH /api/v1/alerts/rules/{id}`: only the fields sent change. */
export function updateAlertRule(
  client: HttpClient,
  id: string,
  patch: Partial<AlertRuleInput> & { enabled?: boolean },
): Promise<AlertRule> {
  return client.request<AlertRule>('PATCH', `/alerts/rules/${encodeURIComponent(id)}`, {
    body: patch,
  });
}
