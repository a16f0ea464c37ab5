import { render } from '@testing-library/react';
import { MemoryRouter, useLocation } from 'react-router-dom';
import { AppRoutes } from '../App.js';
import { AuthProvider } from '../auth/AuthContext.js';
import type { DashboardConfig } from '../config.js';

export const testConfig: DashboardConfig = {
  queryApiBase: '/api/v1',
  defaultAdminUrl: 'http://admin.test',
  autoRefreshMs: 60_000,
  tailMs: 60_000,
};

export interface Call {
  method: string;
  url: URL;
  body: unknown;
  headers: Record<string, string>;
}

export type Handler = (call: Call) => { status?: number; body?: unknown } | undefined;

/**
 * A fetch double that routes by method + path and records every call. Unknown routes answer
 * 404 with the envelope, like the real services.
 */
export function fakeFetch(handler: Handler): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fn = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input), 'http://dashboard.test');
    const headers = (init?.headers ?? {}) as Record<string, string>;
    const call: Call = {
      method: init?.method ?? 'GET',
      url,
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
      headers,
    };
    calls.push(call);
    const out = handler(call) ?? {
      status: 404,
      body: { error: { code: 'not_found', message: 'No such route.', request_id: 't' } },
    };
    const status = out.status ?? 200;
    return new Response(status === 204 ? null : JSON.stringify(out.body ?? {}), {
      status,
      headers: { 'content-type': 'application/json' },
    });
  };
  return { fetch: fn as typeof fetch, calls };
}

/** Shows the router's current location so tests can assert on the URL. */
function LocationProbe() {
  const loc = useLocation();
  return <div data-testid="location">{`${loc.pathname}${loc.search}`}</div>;
}

export function loginAs(token = 'op-token', adminUrl = testConfig.defaultAdminUrl): void {
  sessionStorage.setItem('gatehouse.operatorToken', token);
  sessionStorage.setItem('gatehouse.adminUrl', adminUrl);
}

export function renderApp(path: string, fetchImpl: typeof fetch) {
  return render(
    <AuthProvider config={testConfig} fetchImpl={fetchImpl}>
      <MemoryRouter initialEntries={[path]}>
        <AppRoutes />
        <LocationProbe />
      </MemoryRouter>
    </AuthProvider>,
  );
}

export const emptyOverview = {
  range: { from: '2026-01-01T00:00:00Z', to: '2026-01-01T01:00:00Z' },
  requests: 0,
  errors: 0,
  error_rate: 0,
  p50_ms: 0,
  p95_ms: 0,
  p99_ms: 0,
  rps: 0,
  rate_limited: 0,
};

/** A query API with no traffic: every list empty. */
export const emptyAnalytics: Handler = (c) => {
  const p = c.url.pathname;
  if (p === '/api/v1/overview') return { body: emptyOverview };
  if (p === '/api/v1/timeseries')
    return { body: { range: emptyOverview.range, bucket_seconds: 60, points: [] } };
  if (
    ['/api/v1/endpoints', '/api/v1/customers', '/api/v1/errors', '/api/v1/status-codes'].includes(p)
  ) {
    return { body: { items: [] } };
  }
  if (p === '/api/v1/requests') return { body: { items: [], has_more: false, next_cursor: null } };
  return undefined;
};
