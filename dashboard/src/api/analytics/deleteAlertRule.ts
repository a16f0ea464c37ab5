import type { HttpClient } from '../http.js';

export async function deleteAlertRule(client: HttpClient, id: string): Promise<void> {
  await client.request<unknown>('DELETE', `/alerts/rules/${encodeURIComponent(id)}`);
}
