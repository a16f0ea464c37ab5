import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { AdminPlan } from '../../api/admin/types.js';
import { fakeFetch, loginAs, renderApp } from '../../test/renderApp.js';

/**
 * An admin API that judges `POST /v1/plans` the way the gateway does: 422 with per-field
 * `details` for bad limits, 409 `plan_exists` (field `name`) for a taken name.
 */
function plansApi() {
  const plans: AdminPlan[] = [{ name: 'free', requests_per_minute: 60, burst: 20 }];
  return fakeFetch((c) => {
    if (c.url.origin !== 'http://admin.test') return undefined;
    const p = c.url.pathname;
    if (p === '/v1/customers' && c.method === 'GET') return { body: { items: [] } };
    if (p !== '/v1/plans') return undefined;
    if (c.method === 'GET') return { body: { items: plans, has_more: false, next_cursor: null } };
    const body = c.body as AdminPlan;
    if (body.burst < 1) {
      return {
        status: 422,
        body: {
          error: {
            code: 'validation_failed',
            message: 'burst: Too small: expected number to be >=1',
            field: 'burst',
            details: [
              {
                field: 'burst',
                code: 'too_small',
                message: 'Too small: expected number to be >=1',
              },
            ],
            request_id: 'req_1',
          },
        },
      };
    }
    if (plans.some((x) => x.name === body.name)) {
      return {
        status: 409,
        body: {
          error: {
            code: 'plan_exists',
            message: 'A plan with this name already exists; plans are immutable once created.',
            field: 'name',
            request_id: 'req_2',
          },
        },
      };
    }
    plans.push(body);
    return { status: 201, body: { ...body, created_at: '2026-01-01T00:00:00Z' } };
  });
}

async function fill(form: HTMLElement, values: Record<string, string>) {
  const user = userEvent.setup();
  for (const [label, value] of Object.entries(values)) {
    const input = within(form).getByLabelText(label);
    await user.clear(input);
    if (value) await user.type(input, value);
  }
  await user.click(within(form).getByRole('button', { name: 'Create plan' }));
}

describe('new plan form', () => {
  it('creates a plan, lists it, and offers it in the plan pickers', async () => {
    loginAs();
    const api = plansApi();
    renderApp('/keys', api.fetch);
    const form = await screen.findByRole('form', { name: 'New plan' });

    await fill(form, {
      'Plan name': 'gold',
      'Requests per minute': '1200',
      Burst: '60',
      'Daily quota (optional)': '500000',
    });

    await waitFor(() =>
      expect(api.calls.find((c) => c.method === 'POST')?.body).toEqual({
        name: 'gold',
        requests_per_minute: 1200,
        burst: 60,
        daily_quota: 500000,
      }),
    );
    expect(await within(form).findByText(/Plan “gold” created/)).toBeInTheDocument();
    const table = screen.getByRole('table', { name: 'Plans' });
    const row = (await within(table).findByText('gold')).closest('tr');
    expect(row).toHaveTextContent('1,200');
    expect(row).toHaveTextContent('500,000');
    expect(screen.getByRole('option', { name: 'gold' })).toBeInTheDocument();
    expect(within(form).getByLabelText('Plan name')).toHaveValue('');
  });

  it("shows the admin API's validation message under the field it names", async () => {
    loginAs();
    const api = plansApi();
    renderApp('/keys', api.fetch);
    const form = await screen.findByRole('form', { name: 'New plan' });

    await fill(form, { 'Plan name': 'tiny', 'Requests per minute': '10', Burst: '0' });

    const burst = within(form).getByLabelText('Burst');
    await waitFor(() => expect(burst).toHaveAttribute('aria-invalid', 'true'));
    expect(burst).toHaveAccessibleDescription(/Too small: expected number to be >=1/);
    expect(within(form).getByLabelText('Plan name')).not.toHaveAttribute('aria-invalid');
    // The typed values stay, so the operator fixes one field instead of starting over.
    expect(within(form).getByLabelText('Plan name')).toHaveValue('tiny');
  });

  it('says clearly that a plan name is taken (409)', async () => {
    loginAs();
    const api = plansApi();
    renderApp('/keys', api.fetch);
    const form = await screen.findByRole('form', { name: 'New plan' });

    await fill(form, { 'Plan name': 'free', 'Requests per minute': '100', Burst: '10' });

    const name = within(form).getByLabelText('Plan name');
    await waitFor(() =>
      expect(name).toHaveAccessibleDescription(/A plan with this name already exists/),
    );
    expect(name).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getAllByRole('row')).toHaveLength(2); // header + free: nothing was added
  });

  it('catches missing and non-whole limits before calling the admin API', async () => {
    loginAs();
    const api = plansApi();
    renderApp('/keys', api.fetch);
    const form = await screen.findByRole('form', { name: 'New plan' });

    await fill(form, { 'Plan name': 'x', 'Requests per minute': '2.5', Burst: '' });

    expect(within(form).getByLabelText('Requests per minute')).toHaveAccessibleDescription(
      /Use a whole number/,
    );
    expect(within(form).getByLabelText('Burst')).toHaveAccessibleDescription(/Required/);
    expect(api.calls.some((c) => c.method === 'POST')).toBe(false);
  });

  it('shows a failure that names no field as one message for the form', async () => {
    loginAs();
    const down = fakeFetch((c) => {
      if (c.url.pathname === '/v1/plans' && c.method === 'GET') return { body: { items: [] } };
      if (c.url.pathname === '/v1/customers') return { body: { items: [] } };
      if (c.url.pathname === '/v1/plans')
        return {
          status: 503,
          body: {
            error: { code: 'store_unavailable', message: 'The store is down.', request_id: 'r' },
          },
        };
      return undefined;
    });
    renderApp('/keys', down.fetch);
    const form = await screen.findByRole('form', { name: 'New plan' });

    await fill(form, { 'Plan name': 'x', 'Requests per minute': '1', Burst: '1' });

    expect(await within(form).findByRole('alert')).toHaveTextContent('The store is down.');
  });
});
