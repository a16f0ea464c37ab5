import { type AlertItem, getAlerts } from '../../api/analytics/getAlerts.js';
import { useClients } from '../../auth/AuthContext.js';
import { useRemote } from '../../hooks/useRemote.js';

export interface AlertsData {
  /** False when the collector does not serve `/api/v1/alerts/...` (yet). */
  configured: boolean;
  rules: AlertItem[];
  firing: AlertItem[];
  history: AlertItem[];
}

export function useAlertsData(tick: number) {
  const { analytics } = useClients();
  return useRemote<AlertsData>(`alerts#${tick}`, async (signal) => {
    const [rules, firing, history] = await Promise.all([
      getAlerts(analytics, 'rules', signal),
      getAlerts(analytics, 'firing', signal),
      getAlerts(analytics, 'history', signal),
    ]);
    return {
      configured: rules !== null || firing !== null || history !== null,
      rules: rules ?? [],
      firing: firing ?? [],
      history: history ?? [],
    };
  });
}
