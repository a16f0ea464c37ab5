import { useCallback, useState } from 'react';
import { type AlertRuleInput, createAlertRule } from '../../api/analytics/createAlertRule.js';
import { deleteAlertRule } from '../../api/analytics/deleteAlertRule.js';
import { updateAlertRule } from '../../api/analytics/updateAlertRule.js';
import {
  type AlertHistoryEntry,
  type AlertItem,
  type AlertRule,
  getAlerts,
} from '../../api/analytics/getAlerts.js';
import { type AppError, normaliseError } from '../../api/errors.js';
import { useClients } from '../../auth/AuthContext.js';
import { useRemote } from '../../hooks/useRemote.js';

export interface AlertsData {
  /** False when the collector does not serve `/api/v1/alerts/...` (alerting switched off). */
  configured: boolean;
  rules: AlertRule[];
  firing: AlertItem[];
  history: AlertHistoryEntry[];
}

export function useAlertsData(tick: number) {
  const { analytics } = useClients();
  const [version, setVersion] = useState(0);
  const remote = useRemote<AlertsData>(`alerts#${tick}#${version}`, async (signal) => {
    const [rules, firing, history] = await Promise.all([
      getAlerts(analytics, 'rules', signal),
      getAlerts(analytics, 'firing', signal),
      getAlerts(analytics, 'history', signal),
    ]);
    return {
      configured: rules !== null || firing !== null || history !== null,
      rules: (rules ?? []) as AlertRule[],
      firing: firing ?? [],
      history: (history ?? []) as AlertHistoryEntry[],
    };
  });

  const [pending, setPending] = useState<string | null>(null);
  const [actionError, setActionError] = useState<AppError | null>(null);

  /** Runs one change, remembers which is pending and any error, then reloads the lists. */
  const run = useCallback(async (label: string, action: () => Promise<unknown>) => {
    setPending(label);
    setActionError(null);
    try {
      await action();
      setVersion((v) => v + 1);
      return true;
    } catch (err) {
      setActionError(normaliseError(err));
      return false;
    } finally {
      setPending(null);
    }
  }, []);

  const actions = {
    /** The refusal goes back to the form, which shows it under the fields it names. */
    createRule: async (input: AlertRuleInput): Promise<AppError | null> => {
      setPending('create');
      try {
        await createAlertRule(analytics, input);
        setVersion((v) => v + 1);
        return null;
      } catch (err) {
        return normaliseError(err);
      } finally {
        setPending(null);
      }
    },
    deleteRule: (id: string) => run(`delete:${id}`, () => deleteAlertRule(analytics, id)),
    setEnabled: (id: string, enabled: boolean) =>
      run(`toggle:${id}`, () => updateAlertRule(analytics, id, { enabled })),
  };
  return { ...remote, pending, actionError, actions };
}
