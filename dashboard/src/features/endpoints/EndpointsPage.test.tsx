import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { emptyAnalytics, fakeFetch, loginAs, renderApp } from '../../test/renderApp.js';

const row = (method: string, route: string, requests: number, p95: number) => ({
  method,
  route,
  requests,
  errors: 0,
  error_rate: 0,
  p50_ms: 1,
  p95_ms: p95,
  p99_ms: p95 * 2,
  bytes_out: 0,
});

function routesInTable(): string[] {
  const table = screen.getByRole('table', { name: 'Endpoints' });
  return within(table)
    .getAllByRole('link')
    .map((a) => a.textContent ?? '');
}

describe('endpoints page', () => {
  it('sorts by a clicked column, in the URL, and flips on a second click', async () => {
    loginAs();
    const user = userEvent.setup();
    const api = fakeFetch((c) =>
      c.url.pathname === '/api/v1/endpoints'
        ? {
            body: {
              items: [
                row('GET', '/a', 10, 300),
                row('GET', '/b', 30, 100),
                row('POST', '/c', 20, 200),
              ],
            },
          }
        : emptyAnalytics(c),
    );
    renderApp('/endpoints', api.fetch);

    await screen.findByRole('table', { name: 'Endpoints' });
    expect(routesInTable()).toEqual(['GET /b', 'POST /c', 'GET /a']);

    await user.click(screen.getByRole('button', { name: /p95/ }));
    expect(routesInTable()).toEqual(['GET /a', 'POST /c', 'GET /b']);
    expect(screen.getByTestId('location').textContent).toBe('/endpoints?sort=p95_ms&order=desc');
    expect(screen.getByRole('columnheader', { name: /p95/ })).toHaveAttribute(
      'aria-sort',
      'descending',
    );

    await user.click(screen.getByRole('button', { name: /p95/ }));
    expect(routesInTable()).toEqual(['GET /b', 'POST /c', 'GET /a']);
  });

  it('links an endpoint to its own page with the window kept', async () => {
    loginAs();
    const user = userEvent.setup();
    const api = fakeFetch((c) =>
      c.url.pathname === '/api/v1/endpoints'
        ? { body: { items: [row('GET', '/v1/orders/{id}', 1, 1)] } }
        : emptyAnalytics(c),
    );
    renderApp('/endpoints?range=24h', api.fetch);
    await user.click(await screen.findByRole('link', { name: 'GET /v1/orders/{id}' }));
    expect(await screen.findByRole('heading', { name: 'GET /v1/orders/{id}' })).toBeInTheDocument();
    const loc = new URL(`http://x${screen.getByTestId('location').textContent}`);
    expect(loc.pathname).toBe('/endpoints/view');
    expect(loc.searchParams.get('route')).toBe('/v1/orders/{id}');
    expect(loc.searchParams.get('range')).toBe('24h');
    await waitFor(() =>
      expect(
        api.calls.some(
          (c) =>
            c.url.pathname === '/api/v1/timeseries' &&
            c.url.searchParams.get('route') === '/v1/orders/{id}',
        ),
      ).toBe(true),
    );
  });

  it('shows an empty state when no endpoint saw traffic', async () => {
    loginAs();
    renderApp('/endpoints', fakeFetch(emptyAnalytics).fetch);
    expect(
      await screen.findByText('No endpoints saw traffic in this time range.'),
    ).toBeInTheDocument();
  });

  it('shows the server error with its code, and retries on demand', async () => {
    loginAs();
    const user = userEvent.setup();
    let failing = true;
    const api = fakeFetch((c) => {
      if (c.url.pathname === '/api/v1/endpoints' && failing) {
        return {
          status: 503,
          body: {
            error: {
              code: 'service_unavailable',
              message: 'ClickHouse is down.',
              request_id: 'req_9',
            },
          },
        };
      }
      return c.url.pathname === '/api/v1/endpoints'
        ? { body: { items: [row('GET', '/ok', 1, 1)] } }
        : emptyAnalytics(c);
    });
    renderApp('/endpoints', api.fetch);

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('ClickHouse is down.');
    expect(alert).toHaveTextContent('service_unavailable');
    expect(alert).toHaveTextContent('req_9');

    failing = false;
    await user.click(within(alert).getByRole('button', { name: 'Retry' }));
    expect(await screen.findByRole('link', { name: 'GET /ok' })).toBeInTheDocument();
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
