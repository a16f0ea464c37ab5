import { useCallback, useState } from 'react';
import { getOverview } from '../api/analytics/getOverview.js';
import { normaliseError } from '../api/errors.js';
import { createHttpClient } from '../api/http.js';
import { useAuth } from './AuthContext.js';

/** Checks a token against the query API before keeping it, so a typo fails on the login page. */
export function useLogin() {
  const { login, config, fetchImpl } = useAuth();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = useCallback(
    async (token: string, adminUrl: string): Promise<boolean> => {
      setPending(true);
      setError(null);
      try {
        const probe = createHttpClient({
          baseUrl: config.queryApiBase,
          token,
          onUnauthorized: () => {},
          ...(fetchImpl ? { fetchImpl } : {}),
        });
        await getOverview(probe, { kind: 'preset', range: '15m' });
        login({ token, adminUrl: adminUrl.trim() || config.defaultAdminUrl });
        return true;
      } catch (err) {
        const e = normaliseError(err);
        setError(e.kind === 'unauthorized' ? 'That operator token was refused.' : e.message);
        return false;
      } finally {
        setPending(false);
      }
    },
    [login, config, fetchImpl],
  );

  return { submit, pending, error };
}
