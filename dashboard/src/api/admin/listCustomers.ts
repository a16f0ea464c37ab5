import { asItems, type HttpClient } from '../http.js';
import type { AdminCustomer } from './types.js';

export async function listCustomers(
  client: HttpClient,
  signal?: AbortSignal,
): Promise<AdminCustomer[]> {
  const body = await client.request<unknown>('GET', '/v1/customers', {
    query: { limit: 100 },
    ...(signal ? { signal } : {}),
  });
  return asItems<AdminCustomer>(body);
}
