import type { HttpClient } from '../http.js';
import type { AdminCustomer } from './types.js';

export function getCustomer(
  client: HttpClient,
  id: string,
  signal?: AbortSignal,
): Promise<AdminCustomer> {
  return client.request<AdminCustomer>('GET', `/v1/customers/${encodeURIComponent(id)}`, {
    ...(signal ? { signal } : {}),
  });
}
