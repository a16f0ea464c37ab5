import { AppError } from '../errors.js';
import { asItems, type HttpClient } from '../http.js';

/**
 * Alerting is filled in by another issue; until the collector serves `/api/v1/alerts/...`
 * these calls answer `null` ("not configured") instead of failing the page.
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
  value?: number;
  [key: string]: unknown;
}

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
