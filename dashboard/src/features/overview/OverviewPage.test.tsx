import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import {
  emptyAnalytics,
  emptyOverview,
  fakeFetch,
  loginAs,
  renderApp,
} from '../../test/renderApp.js';

describe('overview', () => {
  it('says there is no traffic yet and that alerting is not configured', async () => {
    loginAs();
    renderApp('/', fakeFetch(emptyAnalytics).fetch);
    expect(await screen.findByText('No traffic in this time range.')).toBeInTheDocument();
    const alerts = screen.getByRole('region', { name: 'Firing alerts' });
    expect(
      await within(alerts).findByText('Alerting is not configured on this collector.'),
    ).toBeInTheDocument();
  });

  it('shows totals, top lists and firing alerts when there is data', async () => {
    loginAs();
    const api = fakeFetch((c) => {
      const p = c.url.pathname;
      if (p === '/api/v1/overview') {
        return {
          body: {
            ...emptyOverview,
            requests: 5000,
            errors: 50,
            error_rate: 0.01,
            p95_ms: 87,
            rps: 1.4,
          },
        };
      }
      if (p === '/api/v1/endpoints') {
        return {
          body: {
            items: [
              {
                method: 'GET',
                route: '/v1/orders',
                requests: 10,
                errors: 0,
                error_rate: 0,
                p50_ms: 1,
                p95_ms: 2,
                p99_ms: 3,
                bytes_out: 0,
              },
              {
                method: 'POST',
                route: '/v1/batch',
                requests: 90,
                errors: 0,
                error_rate: 0,
                p50_ms: 1,
                p95_ms: 2,
                p99_ms: 3,
                bytes_out: 0,
              },
            ],
          },
        };
      }
      if (p === '/api/v1/alerts/firing')
        return {
          body: { items: [{ id: 'a1', name: 'High error rate', summary: '5xx above 5%' }] },
        };
      return emptyAnalytics(c);
    });
    renderApp('/', api.fetch);

    expect(await screen.findByText('5,000')).toBeInTheDocument();
    expect(screen.getByText('87.0 ms')).toBeInTheDocument();
    const top = screen.getByRole('region', { name: 'Top endpoints' });
    expect(
      within(top)
        .getAllByRole('link')
        .map((a) => a.textContent),
    ).toEqual(['POST /v1/batch', 'GET /v1/orders']);
    const alerts = screen.getByRole('region', { name: 'Firing alerts' });
    expect(await within(alerts).findByText('High error rate')).toBeInTheDocument();
    expect(screen.queryByText('No traffic in this time range.')).toBeNull();
  });
});
