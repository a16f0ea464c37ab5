import type { HttpClient } from '../http.js';
import type { CreatedKey } from './types.js';

/** The old key keeps working for `graceSeconds` (gateway default 24 h) so callers can switch. */
export function rotateKey(
  client: HttpClient,
  keyId: string,
  graceSeconds?: number,
): Promise<CreatedKey> {
  return client.request<CreatedKey>('POST', `/v1/keys/${encodeURIComponent(keyId)}/rotate`, {
    body: graceSeconds === undefined ? {} : { grace_seconds: graceSeconds },
  });
}
