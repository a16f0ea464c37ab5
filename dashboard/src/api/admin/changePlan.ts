import type { HttpClient } from '../http.js';
import type { AdminCustomer } from './types.js';

export function changePlan(
  client: HttpClient,
  customerId: string,
  plan: string,
): Promise<AdminCustomer> {
  return client.request<AdminCustomer>('PATCH', `/v1/customers/${encodeURIComponent(customerId)}`, {
    body: { plan },
  });
}
