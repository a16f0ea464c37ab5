import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import {
  emptyAnalytics,
  emptyOverview,
  fakeFetch,
  loginAs,
  renderApp,
} from '../../test/renderApp.js';

describe('customer page', () => {
  it('shows traffic from the query API and keys from the admin API', async () => {
    loginAs();
    const api = fakeFetch((c) => {
      if (c.url.pathname === '/api/v1/overview') {
        expect(c.url.searchParams.get('customer_id')).toBe('cus_1');
        return {
          body: { ...emptyOverview, requests: 1234, errors: 12, error_rate: 0.01, rate_limited: 7 },
        };
      }
      if (c.url.origin === 'http://admin.test' && c.url.pathname === '/v1/customers/cus_1') {
        return { body: { id: 'cus_1', name: 'Acme', plan: 'pro' } };
      }
      if (c.url.origin === 'http://admin.test' && c.url.pathname === '/v1/customers/cus_1/keys') {
        return {
          body: {
            items: [
              { key_id: 'key_live', status: 'active' },
              { key_id: 'key_old', revoked_at: '2026-01-01T00:00:00Z' },
            ],
          },
        };
      }
      return emptyAnalytics(c);
    });
    renderApp('/customers/cus_1?range=24h', api.fetch);

    expect(await screen.findByRole('heading', { name: 'Acme', level: 1 })).toBeInTheDocument();
    expect(screen.getByText('1,234')).toBeInTheDocument();
    expect(screen.getByText('Rate-limit hits').nextSibling).toHaveTextContent('7');
    const keys = screen.getByRole('region', { name: 'API keys' });
    expect(await within(keys).findByText('key_live')).toBeInTheDocument();
    expect(within(keys).getByText('revoked')).toBeInTheDocument();
  });

  it('keeps showing traffic when the admin API fails; only the keys panel says so', async () => {
    loginAs();
    const api = fakeFetch((c) => {
      if (c.url.origin === 'http://admin.test') {
        return {
          status: 503,
          body: { error: { code: 'service_unavailable', message: 'Store down.', request_id: 'a' } },
        };
      }
      if (c.url.pathname === '/api/v1/overview')
        return { body: { ...emptyOverview, requests: 55 } };
      return emptyAnalytics(c);
    });
    renderApp('/customers/cus_1', api.fetch);

    expect(await screen.findByText('55')).toBeInTheDocument();
    const keys = screen.getByRole('region', { name: 'API keys' });
    expect(await within(keys).findByRole('alert')).toHaveTextContent('Store down.');
  });
});
