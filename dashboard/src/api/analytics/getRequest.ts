import type { RequestEvent } from '@gatehouse/shared';
import type { HttpClient } from '../http.js';

/** One request's full event (`/api/v1/requests/{request_id}`). */
export function getRequest(
  client: HttpClient,
  requestId: string,
  signal?: AbortSignal,
): Promise<RequestEvent> {
  return client.request<RequestEvent>('GET', `/requests/${encodeURIComponent(requestId)}`, {
    ...(signal ? { signal } : {}),
  });
}
