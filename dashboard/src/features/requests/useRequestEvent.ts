import { getRequest } from '../../api/analytics/getRequest.js';
import { useClients } from '../../auth/AuthContext.js';
import { useRemote } from '../../hooks/useRemote.js';

export function useRequestEvent(requestId: string) {
  const { analytics } = useClients();
  return useRemote(requestId || null, (signal) => getRequest(analytics, requestId, signal));
}
