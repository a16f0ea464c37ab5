/**
 * Where the operator token lives: sessionStorage (gone when the tab closes, never in a URL,
 * never in localStorage). The admin API URL override sits beside it.
 */
const TOKEN_KEY = 'gatehouse.operatorToken';
const ADMIN_URL_KEY = 'gatehouse.adminUrl';

export interface StoredSession {
  token: string;
  adminUrl: string;
}

export function readSession(defaultAdminUrl: string): StoredSession | null {
  try {
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (!token) return null;
    return { token, adminUrl: sessionStorage.getItem(ADMIN_URL_KEY) || defaultAdminUrl };
  } catch {
    return null;
  }
}

export function readAdminUrl(defaultAdminUrl: string): string {
  try {
    return sessionStorage.getItem(ADMIN_URL_KEY) || defaultAdminUrl;
  } catch {
    return defaultAdminUrl;
  }
}

export function writeSession(session: StoredSession): void {
  sessionStorage.setItem(TOKEN_KEY, session.token);
  sessionStorage.setItem(ADMIN_URL_KEY, session.adminUrl);
}

export function clearToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}
