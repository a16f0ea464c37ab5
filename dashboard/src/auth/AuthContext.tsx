import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from 'react';
import { createHttpClient, type HttpClient } from '../api/http.js';
import type { DashboardConfig } from '../config.js';
import { clearToken, readSession, type StoredSession, writeSession } from './session.js';

export interface Clients {
  /** Collector query API, same origin. */
  analytics: HttpClient;
  /** Gateway admin API. */
  admin: HttpClient;
}

interface AuthState {
  session: StoredSession | null;
  /** Why the last session ended, shown on the login screen. */
  notice: string | null;
  clients: Clients | null;
  login(session: StoredSession): void;
  logout(notice?: string): void;
  config: DashboardConfig;
  fetchImpl: typeof fetch | undefined;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider(props: {
  config: DashboardConfig;
  children: ReactNode;
  /** Tests inject a fake fetch; the app uses the browser's. */
  fetchImpl?: typeof fetch;
}) {
  const { config, fetchImpl } = props;
  const [session, setSession] = useState<StoredSession | null>(() =>
    readSession(config.defaultAdminUrl),
  );
  const [notice, setNotice] = useState<string | null>(null);

  const logout = useCallback((why?: string) => {
    clearToken();
    setSession(null);
    setNotice(why ?? null);
  }, []);

  const login = useCallback((next: StoredSession) => {
    writeSession(next);
    setNotice(null);
    setSession(next);
  }, []);

  const clients = useMemo<Clients | null>(() => {
    if (!session) return null;
    // Any 401 from either API ends the session: the token was rotated or is wrong.
    const onUnauthorized = () => logout('Your session ended: the operator token was refused.');
    const common = { token: session.token, onUnauthorized, ...(fetchImpl ? { fetchImpl } : {}) };
    return {
      analytics: createHttpClient({
        baseUrl: config.queryApiBase,
        unreachable: 'Cannot reach the collector query API.',
        ...common,
      }),
      admin: createHttpClient({
        baseUrl: session.adminUrl,
        // A browser reports a CORS refusal like an unreachable server, so name both causes.
        unreachable: `Cannot reach the gateway admin API at ${session.adminUrl}: check that it runs and that its ADMIN_CORS_ORIGINS lists ${globalThis.location?.origin ?? 'this page'}.`,
        ...common,
      }),
    };
  }, [session, config, logout, fetchImpl]);

  const value = useMemo<AuthState>(
    () => ({ session, notice, clients, login, logout, config, fetchImpl }),
    [session, notice, clients, login, logout, config, fetchImpl],
  );
  return <AuthContext.Provider value={value}>{props.children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}

/** The API clients of a logged-in page (RequireAuth guarantees a session). */
export function useClients(): Clients {
  const { clients } = useAuth();
  if (!clients) throw new Error('useClients without a session');
  return clients;
}
