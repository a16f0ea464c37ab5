/**
 * Build-time settings, read once here. The query API is same-origin (`/api/v1`: the collector
 * serves this app, the Vite dev server proxies it). The gateway admin API lives on its own port;
 * its default comes from `VITE_ADMIN_URL` at build time and the operator can override it on the
 * login screen (kept in sessionStorage), which is how a stack on other ports is reached.
 */
export interface DashboardConfig {
  queryApiBase: string;
  defaultAdminUrl: string;
  /** Auto-refresh and live-tail periods. */
  autoRefreshMs: number;
  tailMs: number;
}

export const config: DashboardConfig = {
  queryApiBase: '/api/v1',
  defaultAdminUrl: import.meta.env.VITE_ADMIN_URL || 'http://127.0.0.1:8444',
  autoRefreshMs: 15_000,
  tailMs: 3_000,
};
