import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { AdminKey } from '../../api/admin/types.js';
import { fakeFetch, loginAs, renderApp } from '../../test/renderApp.js';

const SECRET = 'gh_live_k2_c2VjcmV0c2VjcmV0c2VjcmV0_x9';

/** A small in-memory admin API (the real one is exercised in the Chromium e2e). */
function adminApi() {
  const keys: AdminKey[] = [
    { key_id: 'k1', customer_id: 'c1', name: 'first', created_at: '2026-01-01T00:00:00Z' },
  ];
  const customers = [{ id: 'c1', name: 'Acme', plan: 'free' }];
  return fakeFetch((c) => {
    if (c.url.origin !== 'http://admin.test') return undefined;
    const p = c.url.pathname;
    if (p === '/v1/plans')
      return {
        body: {
          items: [
            { name: 'free', requests_per_minute: 60, burst: 20 },
            { name: 'pro', requests_per_minute: 6000, burst: 200 },
          ],
        },
      };
    if (p === '/v1/customers' && c.method === 'GET')
      return { body: { items: customers, has_more: false, next_cursor: null } };
    if (p === '/v1/customers' && c.method === 'POST') {
      const body = c.body as { name: string; plan: string };
      const created = { id: `c${customers.length + 1}`, name: body.name, plan: body.plan };
      customers.push(created);
      return { status: 201, body: created };
    }
    if (p === '/v1/customers/c1' && c.method === 'PATCH') {
      customers[0] = { ...customers[0]!, plan: (c.body as { plan: string }).plan };
      return { body: customers[0] };
    }
    if (p === '/v1/customers/c1/keys' && c.method === 'GET') return { body: { items: keys } };
    if (p === '/v1/customers/c1/keys' && c.method === 'POST') {
      const k = {
        key_id: 'k2',
        customer_id: 'c1',
        name: (c.body as { name?: string }).name ?? null,
        created_at: '2026-02-01T00:00:00Z',
      };
      keys.push(k);
      return { status: 201, body: { ...k, secret: SECRET } };
    }
    if (p === '/v1/keys/k1' && c.method === 'DELETE') {
      keys[0] = { ...keys[0]!, revoked_at: '2026-03-01T00:00:00Z' };
      return { status: 204 };
    }
    return undefined;
  });
}

describe('keys and plans', () => {
  it('shows a new key secret once, with a copy button, and never again after Done', async () => {
    loginAs();
    const user = userEvent.setup();
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const api = adminApi();
    renderApp('/keys?customer=c1', api.fetch);

    await user.type(await screen.findByLabelText('Key name (optional)'), 'ci');
    await user.click(screen.getByRole('button', { name: 'Create key' }));

    const secretBox = await screen.findByLabelText('Secret');
    expect(secretBox).toHaveValue(SECRET);
    expect(screen.getByText(/will not be shown again/)).toBeInTheDocument();
    expect(api.calls.find((c) => c.method === 'POST')?.body).toEqual({ name: 'ci' });

    await user.click(screen.getByRole('button', { name: 'Copy' }));
    expect(writeText).toHaveBeenCalledWith(SECRET);
    expect(await screen.findByText('Copied to the clipboard.')).toBeInTheDocument();

    // The list shows the new key by id only.
    const table = await screen.findByRole('table', { name: 'API keys' });
    await waitFor(() => expect(within(table).getByText('k2')).toBeInTheDocument());
    expect(table.textContent).not.toContain(SECRET);

    await user.click(screen.getByRole('button', { name: 'Done, I stored it' }));
    expect(screen.queryByLabelText('Secret')).toBeNull();
    expect(document.body.textContent).not.toContain(SECRET);
    expect(sessionStorage.getItem('gatehouse.operatorToken')).not.toContain(SECRET);
  });

  it('revokes a key only after confirmation', async () => {
    loginAs();
    const user = userEvent.setup();
    const api = adminApi();
    renderApp('/keys?customer=c1', api.fetch);

    await user.click(await screen.findByRole('button', { name: 'Revoke key k1' }));
    expect(api.calls.some((c) => c.method === 'DELETE')).toBe(false);
    await user.click(screen.getByRole('button', { name: 'Confirm revoking key k1' }));

    await waitFor(() =>
      expect(api.calls.some((c) => c.method === 'DELETE' && c.url.pathname === '/v1/keys/k1')).toBe(
        true,
      ),
    );
    const table = await screen.findByRole('table', { name: 'API keys' });
    expect(await within(table).findByText('revoked')).toBeInTheDocument();
  });

  it('creates a customer on a plan and selects it; changes a plan', async () => {
    loginAs();
    const user = userEvent.setup();
    const api = adminApi();
    renderApp('/keys', api.fetch);

    await user.type(await screen.findByLabelText('Customer name'), 'Globex');
    await waitFor(() =>
      expect(screen.getAllByRole('option', { name: 'pro' }).length).toBeGreaterThan(0),
    );
    await user.selectOptions(screen.getByLabelText('Plan'), 'pro');
    await user.click(screen.getByRole('button', { name: 'Create customer' }));

    await waitFor(() =>
      expect(screen.getByTestId('location').textContent).toBe('/keys?customer=c2'),
    );
    expect(api.calls.find((c) => c.method === 'POST')?.body).toEqual({
      name: 'Globex',
      plan: 'pro',
    });

    await user.click(screen.getByRole('button', { name: /Acme/ }));
    const planForm = await screen.findByRole('form', { name: 'Change plan' });
    await waitFor(() => expect(within(planForm).getByLabelText('Plan')).toHaveValue('free'));
    await user.selectOptions(within(planForm).getByLabelText('Plan'), 'pro');
    await user.click(within(planForm).getByRole('button', { name: 'Change plan' }));
    await waitFor(() =>
      expect(api.calls.find((c) => c.method === 'PATCH')?.body).toEqual({ plan: 'pro' }),
    );
  });

  it('says what failed when the admin API is unreachable', async () => {
    loginAs();
    const failing = (async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof fetch;
    renderApp('/keys', failing);
    const alerts = await screen.findAllByRole('alert');
    expect(alerts[0]).toHaveTextContent('Cannot reach the gateway admin API at http://admin.test');
    expect(alerts[0]).toHaveTextContent('ADMIN_CORS_ORIGINS');
  });
});
