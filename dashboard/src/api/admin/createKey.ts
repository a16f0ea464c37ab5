import type { HttpClient } from '../http.js';
import type { CreatedKey } from './types.js';

export function createKey(
  client: HttpClient,
  customerId: string,
  input: { name?: string },
): Promise<CreatedKey> {
  return client.request<CreatedKey>(
    'POST',
    `/v1/customers/${encodeURIComponent(customerId)}/keys`,
    {
      body: input,
    },
  );
}
