import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { emptyAnalytics, fakeFetch, loginAs, renderApp } from '../test/renderApp.js';

const unauthorized = {
  status: 401,
  body: {
    error: { code: 'unauthorized', message: 'Authentication is required.', request_id: 'r' },
  },
};

/** The query API accepts only `Bearer good-token`. */
const guarded = fakeFetch((c) =>
  c.headers.authorization === 'Bearer good-token' ? emptyAnalytics(c) : unauthorized,
);

describe('login', () => {
  it('sends a visitor without a session to the login page and back to the page they asked for', async () => {
    const user = userEvent.setup();
    renderApp('/endpoints?range=24h', guarded.fetch);

    expect(await screen.findByLabelText('Operator token')).toBeInTheDocument();
    expect(screen.getByTestId('location').textContent).toMatch(/^\/login\?next=/);

    await user.type(screen.getByLabelText('Operator token'), 'good-token');
    await user.click(screen.getByRole('button', { name: 'Log in' }));

    expect(await screen.findByRole('heading', { name: 'Endpoints' })).toBeInTheDocument();
    expect(screen.getByTestId('location').textContent).toBe('/endpoints?range=24h');
    expect(sessionStorage.getItem('gatehouse.operatorToken')).toBe('good-token');
  });

  it('keeps a refused token out of storage and says so', async () => {
    const user = userEvent.setup();
    renderApp('/', guarded.fetch);
    await user.type(await screen.findByLabelText('Operator token'), 'wrong');
    await user.click(screen.getByRole('button', { name: 'Log in' }));

    expect(await screen.findByRole('alert')).toHaveTextContent('That operator token was refused.');
    expect(sessionStorage.getItem('gatehouse.operatorToken')).toBeNull();
    expect(screen.getByTestId('location').textContent).toMatch(/^\/login/);
  });

  it('never puts the token in the URL', async () => {
    const user = userEvent.setup();
    renderApp('/customers', guarded.fetch);
    await user.type(await screen.findByLabelText('Operator token'), 'good-token');
    await user.click(screen.getByRole('button', { name: 'Log in' }));
    await screen.findByRole('heading', { name: 'Customers' });
    for (const call of guarded.calls) expect(call.url.href).not.toContain('good-token');
    expect(screen.getByTestId('location').textContent).not.toContain('good-token');
  });

  it('returns to the login page when an API answers 401 mid-session', async () => {
    // Session stored from earlier, but the token has since been rotated on the server.
    loginAs('stale-token');
    renderApp('/endpoints', guarded.fetch);

    expect(await screen.findByLabelText('Operator token')).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('operator token was refused');
    await waitFor(() => expect(sessionStorage.getItem('gatehouse.operatorToken')).toBeNull());
    expect(screen.getByTestId('location').textContent).toBe('/login?next=%2Fendpoints');
  });

  it('logs out from the navigation bar', async () => {
    const user = userEvent.setup();
    loginAs('good-token');
    renderApp('/', guarded.fetch);
    await user.click(await screen.findByRole('button', { name: 'Log out' }));
    expect(await screen.findByLabelText('Operator token')).toBeInTheDocument();
    expect(sessionStorage.getItem('gatehouse.operatorToken')).toBeNull();
  });
});
