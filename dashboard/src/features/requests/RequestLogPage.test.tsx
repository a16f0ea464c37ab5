import type { RequestEvent } from '@gatehouse/shared';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { emptyAnalytics, fakeFetch, loginAs, renderApp } from '../../test/renderApp.js';

const event = (id: string, overrides: Partial<RequestEvent> = {}): RequestEvent => ({
  request_id: id,
  trace_id: '',
  ts_ms: Date.parse('2026-01-01T00:00:00Z'),
  instance: 'gw:1',
  customer_id: 'cus_1',
  key_id: 'key_1',
  auth_method: 'api_key',
  method: 'GET',
  route: '/v1/orders/{id}',
  path: '/v1/orders/ord_1',
  status: 200,
  error_code: '',
  latency_ms: 12,
  upstream_latency_ms: 10,
  bytes_in: 0,
  bytes_out: 100,
  client_ip: '127.0.0.1',
  user_agent: 'test',
  rate_limited: false,
  idempotency_key: false,
  idempotent_replayed: false,
  ...overrides,
});

describe('request log', () => {
  it('puts the search in the URL and sends it to the query API', async () => {
    loginAs();
    const user = userEvent.setup();
    const api = fakeFetch((c) =>
      c.url.pathname === '/api/v1/requests'
        ? {
            body: {
              items: [event('req_a', { status: 429, error_code: 'rate_limited' })],
              has_more: false,
              next_cursor: null,
            },
          }
        : emptyAnalytics(c),
    );
    renderApp('/requests?range=24h', api.fetch);

    await user.type(await screen.findByLabelText('Customer'), 'cus_1');
    await user.type(screen.getByLabelText('Status'), '429');
    await user.click(screen.getByRole('button', { name: 'Search' }));

    const loc = new URL(`http://x${screen.getByTestId('location').textContent}`);
    expect(Object.fromEntries(loc.searchParams)).toEqual({
      range: '24h',
      customer_id: 'cus_1',
      status: '429',
    });
    await waitFor(() => {
      const last = api.calls.filter((c) => c.url.pathname === '/api/v1/requests').at(-1);
      expect(last?.url.searchParams.get('customer_id')).toBe('cus_1');
      expect(last?.url.searchParams.get('status')).toBe('429');
      expect(last?.url.searchParams.get('range')).toBe('24h');
    });
    const table = await screen.findByRole('table', { name: 'Requests' });
    expect(within(table).getByText('rate_limited')).toBeInTheDocument();
  });

  it('says so when nothing matches', async () => {
    loginAs();
    renderApp('/requests?request_id=req_missing', fakeFetch(emptyAnalytics).fetch);
    expect(await screen.findByText('No requests match.')).toBeInTheDocument();
  });

  it('opens one request with its full event', async () => {
    loginAs();
    const api = fakeFetch((c) =>
      c.url.pathname === '/api/v1/requests/req_x'
        ? {
            body: event('req_x', {
              status: 503,
              error_code: 'upstream_unavailable',
              trace_id: 'a'.repeat(32),
            }),
          }
        : undefined,
    );
    renderApp('/requests/req_x', api.fetch);
    expect(await screen.findByRole('heading', { name: 'Full event' })).toBeInTheDocument();
    expect(screen.getByText('upstream_unavailable')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'cus_1' })).toHaveAttribute('href', '/customers/cus_1');
    expect(screen.getByText('a'.repeat(32))).toBeInTheDocument();
  });

  it('shows not found for an unknown request id', async () => {
    loginAs();
    renderApp('/requests/req_nope', fakeFetch(() => undefined).fetch);
    expect(await screen.findByRole('alert')).toHaveTextContent('No such route.');
  });
});
