import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { fakeFetch, loginAs, renderApp } from '../../test/renderApp.js';

const rule = {
  id: 'rule_1',
  name: 'orders 5xx',
  kind: 'threshold',
  scope: 'route',
  route: '/v1/orders',
  customer_id: null,
  metric: 'error_rate_5xx',
  threshold: 0.1,
  resolve_threshold: null,
  effective_resolve_threshold: 0.09,
  window: '5m',
  min_requests: 20,
  for: '1m',
  objective: null,
  slo_period: '30d',
  burn_windows: null,
  severity: 'critical',
  targets: [{ type: 'webhook', url: 'https://hooks.example.com/a', has_secret: true }],
  enabled: true,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  state: 'firing',
  state_since: '2026-01-01T00:01:00Z',
  value: 0.3,
  requests: 50,
  evaluated_at: '2026-01-01T00:02:00Z',
};

/** A small in-memory alerts API (the real one is tested in the collector). */
function alertsApi() {
  const rules: Record<string, unknown>[] = [rule];
  return fakeFetch((c) => {
    const p = c.url.pathname;
    if (p === '/api/v1/alerts/rules' && c.method === 'GET') return { body: { items: rules } };
    if (p === '/api/v1/alerts/rules' && c.method === 'POST') {
      const created = { ...rule, ...(c.body as object), id: 'rule_2', state: 'ok', value: null };
      rules.push(created);
      return { status: 201, body: created };
    }
    if (p === '/api/v1/alerts/rules/rule_1' && c.method === 'PATCH') {
      rules[0] = { ...rules[0], ...(c.body as object) };
      return { body: rules[0] };
    }
    if (p === '/api/v1/alerts/rules/rule_1' && c.method === 'DELETE') {
      rules.splice(0, 1);
      return { status: 204 };
    }
    if (p === '/api/v1/alerts/firing')
      return {
        body: {
          items: [
            {
              id: 'rule_1',
              rule_id: 'rule_1',
              name: 'orders 5xx',
              state: 'firing',
              severity: 'critical',
              summary: 'error_rate_5xx on route /v1/orders is at 30%',
              started_at: '2026-01-01T00:01:00Z',
            },
          ],
        },
      };
    if (p === '/api/v1/alerts/history')
      return {
        body: {
          items: [
            {
              id: '2',
              rule_id: 'rule_1',
              name: 'orders 5xx',
              from_state: 'pending',
              to_state: 'firing',
              value: 0.3,
              threshold: 0.1,
              requests: 50,
              at: '2026-01-01T00:01:00Z',
              details: {},
            },
          ],
          has_more: false,
          next_cursor: null,
        },
      };
    return undefined;
  });
}

describe('alerts page', () => {
  it('shows firing alerts, rules with their state, and the history with values', async () => {
    loginAs();
    renderApp('/alerts', alertsApi().fetch);
    const firing = await screen.findByRole('region', { name: 'Firing' });
    expect(within(firing).getByText(/is at 30%/)).toBeInTheDocument();
    const rules = screen.getByRole('table', { name: 'Alert rules' });
    expect(
      within(rules).getByText(/5xx error rate > 10% over 5m on \/v1\/orders/),
    ).toBeInTheDocument();
    expect(within(rules).getByText('30%')).toBeInTheDocument();
    expect(within(rules).getByText('webhook: hooks.example.com')).toBeInTheDocument();
    const history = screen.getByRole('table', { name: 'Alert history' });
    expect(within(history).getByText('firing')).toBeInTheDocument();
    expect(within(history).getByText(/threshold 10%/)).toBeInTheDocument();
  });

  it('creates a rule from the form, sending a fraction for a percent threshold', async () => {
    loginAs();
    const user = userEvent.setup();
    const api = alertsApi();
    renderApp('/alerts', api.fetch);
    await user.type(await screen.findByLabelText('Name'), 'checkout');
    await user.type(screen.getByLabelText('Route (blank = all)'), '/v1/checkout');
    const threshold = screen.getByLabelText('Threshold (%)');
    await user.clear(threshold);
    await user.type(threshold, '2.5');
    await user.type(screen.getByLabelText('Webhook URL (optional)'), 'https://hooks.example.com/b');
    await user.click(screen.getByRole('button', { name: 'Create rule' }));
    await waitFor(() => expect(api.calls.some((c) => c.method === 'POST')).toBe(true));
    expect(api.calls.find((c) => c.method === 'POST')?.body).toEqual({
      name: 'checkout',
      kind: 'threshold',
      route: '/v1/checkout',
      customer_id: null,
      metric: 'error_rate_5xx',
      threshold: 0.025,
      window: '5m',
      min_requests: 20,
      for: '1m',
      severity: 'warning',
      targets: [{ type: 'webhook', url: 'https://hooks.example.com/b' }],
    });
    expect(await screen.findByRole('button', { name: 'Delete checkout' })).toBeInTheDocument();
  });

  it('refuses a bad threshold in the form without calling the API', async () => {
    loginAs();
    const user = userEvent.setup();
    const api = alertsApi();
    renderApp('/alerts', api.fetch);
    await user.type(await screen.findByLabelText('Name'), 'x');
    const threshold = screen.getByLabelText('Threshold (%)');
    await user.clear(threshold);
    await user.type(threshold, '250');
    await user.click(screen.getByRole('button', { name: 'Create rule' }));
    expect(
      await screen.findByText('A rate threshold is a percentage (0–100).'),
    ).toBeInTheDocument();
    expect(api.calls.some((c) => c.method === 'POST')).toBe(false);
  });

  it('deletes a rule after confirmation', async () => {
    loginAs();
    const user = userEvent.setup();
    vi.spyOn(window, 'confirm').mockReturnValue(true);
    const api = alertsApi();
    renderApp('/alerts', api.fetch);
    await user.click(await screen.findByRole('button', { name: 'Delete orders 5xx' }));
    await waitFor(() => expect(api.calls.some((c) => c.method === 'DELETE')).toBe(true));
    expect(await screen.findByText('No rules defined.')).toBeInTheDocument();
  });

  it('disables and re-enables a rule with a PATCH of enabled only', async () => {
    loginAs();
    const user = userEvent.setup();
    const api = alertsApi();
    renderApp('/alerts', api.fetch);
    await user.click(await screen.findByRole('button', { name: 'Disable orders 5xx' }));
    await user.click(await screen.findByRole('button', { name: 'Enable orders 5xx' }));
    await screen.findByRole('button', { name: 'Disable orders 5xx' });
    expect(api.calls.filter((c) => c.method === 'PATCH').map((c) => c.body)).toEqual([
      { enabled: false },
      { enabled: true },
    ]);
  });

  it('says alerting is not configured when the collector has no alerts API', async () => {
    loginAs();
    renderApp('/alerts', fakeFetch(() => undefined).fetch);
    expect(await screen.findByText('Alerting is not configured.')).toBeInTheDocument();
  });
});
