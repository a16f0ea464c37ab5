import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { emptyAnalytics, fakeFetch, loginAs, renderApp } from '../test/renderApp.js';

describe('time range in the URL', () => {
  it('opens a view with the range from its link and asks the API for that range', async () => {
    loginAs();
    const api = fakeFetch(emptyAnalytics);
    renderApp('/?range=15m', api.fetch);
    expect(await screen.findByLabelText('Time range')).toHaveValue('15m');
    await waitFor(() =>
      expect(api.calls.some((c) => c.url.pathname === '/api/v1/overview')).toBe(true),
    );
    const overview = api.calls.filter((c) => c.url.pathname === '/api/v1/overview');
    expect(overview.every((c) => c.url.searchParams.get('range') === '15m')).toBe(true);
  });

  it('writes a picked range into the query string, keeps other params, and refetches', async () => {
    loginAs();
    const user = userEvent.setup();
    const api = fakeFetch(emptyAnalytics);
    renderApp('/customers?range=1h&sort=errors&order=asc', api.fetch);
    await user.selectOptions(await screen.findByLabelText('Time range'), '24h');

    const loc = new URL(`http://x${screen.getByTestId('location').textContent}`);
    expect(loc.pathname).toBe('/customers');
    expect(Object.fromEntries(loc.searchParams)).toEqual({
      range: '24h',
      sort: 'errors',
      order: 'asc',
    });
    await waitFor(() =>
      expect(
        api.calls.some(
          (c) =>
            c.url.pathname === '/api/v1/customers' && c.url.searchParams.get('range') === '24h',
        ),
      ).toBe(true),
    );
  });

  it('applies a custom window as from/to and refuses one that ends before it starts', async () => {
    loginAs();
    const user = userEvent.setup();
    const api = fakeFetch(emptyAnalytics);
    renderApp('/endpoints', api.fetch);
    await user.selectOptions(await screen.findByLabelText('Time range'), 'custom');

    const from = screen.getByLabelText('From');
    const to = screen.getByLabelText('To');
    await user.clear(from);
    await user.type(from, '2026-03-02T10:00');
    await user.clear(to);
    await user.type(to, '2026-03-01T10:00');
    await user.click(screen.getByRole('button', { name: 'Apply' }));
    expect(screen.getByRole('alert')).toHaveTextContent('must be before');
    expect(screen.getByTestId('location').textContent).toBe('/endpoints');

    await user.clear(to);
    await user.type(to, '2026-03-02T12:00');
    await user.click(screen.getByRole('button', { name: 'Apply' }));
    const params = new URLSearchParams(screen.getByTestId('location').textContent?.split('?')[1]);
    expect(params.get('range')).toBeNull();
    expect(Date.parse(params.get('to') ?? '') - Date.parse(params.get('from') ?? '')).toBe(
      2 * 3_600_000,
    );
  });

  it('carries the range along the navigation links', async () => {
    loginAs();
    const user = userEvent.setup();
    renderApp('/?range=7d', fakeFetch(emptyAnalytics).fetch);
    await user.click(await screen.findByRole('link', { name: 'Request log' }));
    expect(screen.getByTestId('location').textContent).toBe('/requests?range=7d');
  });
});
