import type { HttpClient } from '../http.js';

export async function revokeKey(client: HttpClient, keyId: string): Promise<void> {
  await client.request<unknown>('DELETE', `/v1/keys/${encodeURIComponent(keyId)}`);
}
