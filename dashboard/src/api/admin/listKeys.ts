import { asItems, type HttpClient } from '../http.js';
import type { AdminKey } from './types.js';

export async function listKeys(
  client: HttpClient,
  customerId: string,
  signal?: AbortSignal,
): Promise<AdminKey[]> {
  const body = await client.request<unknown>(
    'GET',
    `/v1/customers/${encodeURIComponent(customerId)}/keys`,
    { ...(signal ? { signal } : {}) },
  );
  return asItems<AdminKey>(body);
}
