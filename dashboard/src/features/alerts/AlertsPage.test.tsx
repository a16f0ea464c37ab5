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

/** A Slack incoming-webhook URL: its path is the credential. */
const SLACK_URL = 'https://hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/xoxSecretPart1234567890';
const SLACK_SECRET_PATH = '/T0AAAAAAA/B0BBBBBBB/xoxSecretPart1234567890';

const delivery = (over: Record<string, unknown>) => ({
  notification_id: 'ntf_1',
  type: 'webhook',
  url: 'https://hooks.example.com/a',
  state: 'delivered',
  attempts: 1,
  last_status: 200,
  last_error: null,
  created_at: '2026-01-01T00:01:00Z',
  last_attempt_at: '2026-01-01T00:01:01Z',
  next_attempt_at: null,
  finished_at: '2026-01-01T00:01:01Z',
  ...over,
});

/** The history as the collector lists it: newest first, one delivery per target. */
const HISTORY = [
  {
    id: '3',
    rule_id: 'rule_1',
    name: 'orders 5xx',
    from_state: 'pending',
    to_state: 'firing',
    value: 0.3,
    threshold: 0.1,
    requests: 50,
    at: '2026-01-01T00:05:00Z',
    details: {},
    notification: null,
    deliveries: [
      delivery({
        notification_id: 'ntf_pager',
        state: 'failed',
        attempts: 14,
        last_status: 500,
        last_error: 'answered 500',
        finished_at: '2026-01-01T00:35:00Z',
      }),
      delivery({
        notification_id: 'ntf_slack',
        type: 'slack',
        url: SLACK_URL,
        state: 'pending',
        attempts: 2,
        last_status: null,
        last_error: `request to ${SLACK_URL} failed: ECONNRESET`,
        next_attempt_at: '2026-01-01T00:05:04Z',
        finished_at: null,
      }),
    ],
  },
  {
    id: '2',
    rule_id: 'rule_1',
    name: 'orders 5xx',
    from_state: 'firing',
    to_state: 'resolved',
    value: 0.01,
    threshold: 0.1,
    requests: 80,
    at: '2026-01-01T00:03:00Z',
    details: {},
    notification: null,
    deliveries: [delivery({ notification_id: 'ntf_ok', attempts: 3 })],
  },
  {
    id: '1',
    rule_id: 'rule_1',
    name: 'orders 5xx',
    from_state: 'ok',
    to_state: 'pending',
    value: 0.3,
    threshold: 0.1,
    requests: 50,
    at: '2026-01-01T00:01:00Z',
    details: {},
    notification: null,
    deliveries: [],
  },
];

/** The collector's 422 envelopes (see collector/src/alerts/routes.ts). */
function refusal(code: string, field: string, message: string, details?: unknown[]) {
  return {
    status: 422,
    body: {
      error: {
        code,
        message: `${field}: ${message}`,
        field,
        ...(details ? { details } : {}),
        request_id: 'req_1',
      },
    },
  };
}

/** A small in-memory alerts API (the real one is tested in the collector). */
function alertsApi(history: unknown[] = HISTORY) {
  const rules: Record<string, unknown>[] = [rule];
  return fakeFetch((c) => {
    const p = c.url.pathname;
    if (p === '/api/v1/alerts/rules' && c.method === 'GET') return { body: { items: rules } };
    if (p === '/api/v1/alerts/rules' && c.method === 'POST') {
      const body = c.body as { targets?: { url: string; secret?: string }[] };
      const target = body.targets?.[0];
      if (target?.secret !== undefined && target.secret.length < 16) {
        const message = 'Too small: expected string to have >=16 characters';
        return refusal('invalid_rule', 'targets.0.secret', message, [
          { field: 'targets.0.secret', message },
        ]);
      }
      if (target?.url.includes('10.0.0.1')) {
        return {
          status: 422,
          body: {
            error: {
              code: 'webhook_target_refused',
              message: 'targets.0.url resolves to a private address.',
              field: 'targets.0.url',
              request_id: 'req_2',
            },
          },
        };
      }
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
      return { body: { items: history, has_more: false, next_cursor: null } };
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
    expect(within(rules).getByText('webhook: https://hooks.example.com/a')).toBeInTheDocument();
    const history = screen.getByRole('table', { name: 'Alert history' });
    expect(within(history).getByText('firing')).toBeInTheDocument();
    expect(within(history).getAllByText(/threshold 10%/)).toHaveLength(3);
  });

  it('shows per target whether each notification was delivered, is retrying, or failed', async () => {
    loginAs();
    renderApp('/alerts', alertsApi().fetch);
    const history = await screen.findByRole('table', { name: 'Alert history' });
    const row = (id: string) => history.querySelector(`tr[data-history-id="${id}"]`) as HTMLElement;

    const firing = within(row('3'));
    const failed = firing.getByText('NOT delivered: gave up after 14 attempts').closest('li')!;
    expect(failed).toHaveAttribute('data-delivery-state', 'failed');
    expect(within(failed).getByText('webhook https://hooks.example.com/a')).toBeInTheDocument();
    expect(within(failed).getByText('answered 500')).toBeInTheDocument();
    const retrying = firing.getByText(/^retrying: attempt 2 failed, next at /).closest('li')!;
    expect(retrying).toHaveAttribute('data-delivery-state', 'retrying');
    expect(
      within(retrying).getByText('slack https://hooks.slack.com/services/…'),
    ).toBeInTheDocument();
    expect(
      within(retrying).getByText(
        'request to https://hooks.slack.com/services/… failed: ECONNRESET',
      ),
    ).toBeInTheDocument();

    expect(within(row('2')).getByText('delivered after 3 attempts')).toBeInTheDocument();
    expect(within(row('1')).getByText('–', { selector: '.muted' })).toBeInTheDocument();

    // At a glance, above the table: something did not reach its receiver.
    const panel = screen.getByRole('region', { name: 'History' });
    expect(
      within(panel).getByText(
        /1 notification did NOT reach its receiver; 1 more is being retried\./,
      ),
    ).toBeInTheDocument();
  });

  it('tells on the firing alert that its notification was not delivered', async () => {
    loginAs();
    renderApp('/alerts', alertsApi().fetch);
    const firing = await screen.findByRole('region', { name: 'Firing' });
    expect(
      await within(firing).findByText('NOT delivered: gave up after 14 attempts'),
    ).toBeInTheDocument();
  });

  it('never renders the secret path of a Slack webhook URL', async () => {
    loginAs();
    renderApp('/alerts', alertsApi().fetch);
    await screen.findByRole('table', { name: 'Alert history' });
    expect(document.body.innerHTML).not.toContain(SLACK_SECRET_PATH);
    expect(document.body.innerHTML).not.toContain('xoxSecretPart');
  });

  it('shows no summary line when every notification arrived', async () => {
    loginAs();
    renderApp('/alerts', alertsApi(HISTORY.slice(1)).fetch);
    await screen.findByRole('table', { name: 'Alert history' });
    expect(screen.queryByText(/did NOT reach/)).not.toBeInTheDocument();
    expect(screen.queryByText(/being retried/)).not.toBeInTheDocument();
  });

  it('reads the delivery results of entries written before the outbox', async () => {
    loginAs();
    const legacy = {
      ...HISTORY[0],
      deliveries: undefined,
      notification: [
        {
          url: 'https://hooks.example.com/a',
          type: 'webhook',
          ok: false,
          attempts: 3,
          status: 502,
        },
      ],
    };
    renderApp('/alerts', alertsApi([legacy]).fetch);
    const history = await screen.findByRole('table', { name: 'Alert history' });
    expect(
      within(history).getByText('NOT delivered: gave up after 3 attempts'),
    ).toBeInTheDocument();
    expect(within(history).getByText('HTTP 502')).toBeInTheDocument();
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

  it('shows the collector’s 422 under the form field, not as a page-wide failure', async () => {
    loginAs();
    const user = userEvent.setup();
    const api = alertsApi();
    renderApp('/alerts', api.fetch);
    const form = await screen.findByRole('form', { name: 'New alert rule' });
    await user.type(within(form).getByLabelText('Name'), 'checkout');
    await user.type(within(form).getByLabelText('Webhook URL (optional)'), 'http://10.0.0.1/h');
    await user.click(within(form).getByRole('button', { name: 'Create rule' }));
    expect(
      await within(form).findByText('targets.0.url resolves to a private address.'),
    ).toBeInTheDocument();
    expect(within(form).getByLabelText('Webhook URL (optional)')).toHaveAttribute(
      'aria-invalid',
      'true',
    );
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
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
