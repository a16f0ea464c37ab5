import type { HttpClient } from '../http.js';
import type { AdminCustomer } from './types.js';

export function createCustomer(
  client: HttpClient,
  input: { name: string; plan: string },
): Promise<AdminCustomer> {
  return client.request<AdminCustomer>('POST', '/v1/customers', { body: input });
}
