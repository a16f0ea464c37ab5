import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { AlertRuleInput } from '../../api/analytics/createAlertRule.js';
import { type AppError, errorFromStatus } from '../../api/errors.js';
import { NewRuleForm } from './NewRuleForm.js';

/** A 422 envelope as the collector writes it (collector/src/alerts/routes.ts `invalid`). */
function invalidRule(details: { field: string; message: string }[]): AppError {
  const first = details[0]!;
  return errorFromStatus(422, {
    error: {
      code: 'invalid_rule',
      message: `${first.field}: ${first.message}`,
      field: first.field,
      details,
      request_id: 'req_1',
    },
  });
}

function setup(answer: (input: AlertRuleInput) => AppError | null) {
  const onCreate = vi.fn(async (input: AlertRuleInput) => answer(input));
  render(<NewRuleForm busy={false} onCreate={onCreate} />);
  const form = screen.getByRole('form', { name: 'New alert rule' });
  return { form, onCreate, user: userEvent.setup() };
}

/** The fields of the n-th target (1-based), grouped under their legend "Target n". */
function target(form: HTMLElement, n: number) {
  const group = within(form).getByRole('group', { name: `Target ${n}` });
  return {
    group,
    type: within(group).getByLabelText('Notify via'),
    url: within(group).getByLabelText('Webhook URL (optional)'),
    secret: within(group).getByLabelText('Signing secret (optional)'),
  };
}

/** The message tied to a field through aria-describedby (`…-error`), or null. */
function errorOf(field: HTMLElement): string | null {
  const ids = field.getAttribute('aria-describedby')?.split(' ') ?? [];
  const id = ids.find((i) => i.endsWith('-error'));
  return id ? (document.getElementById(id)?.textContent ?? null) : null;
}

describe('new alert rule form', () => {
  it('labels every input and select, with hints tied to their fields', () => {
    const { form } = setup(() => null);
    for (const label of [
      'Name',
      'Kind',
      'Route (blank = all)',
      'Customer id (blank = all)',
      'Metric',
      'Threshold (%)',
      'Window',
      'Min requests',
      'For',
      'Severity',
      'Notify via',
      'Webhook URL (optional)',
      'Signing secret (optional)',
    ]) {
      expect(within(form).getByLabelText(label)).toBeInTheDocument();
    }
    const window = within(form).getByLabelText('Window');
    expect(window).toHaveAccessibleDescription('Whole minutes: 1m to 1d.');
    // One target to start with, in its own group, as the single target was before.
    expect(within(form).getAllByRole('group')).toHaveLength(1);
    expect(target(form, 1).url).toHaveAccessibleDescription('Shown afterwards as its host only.');
    expect(within(form).getByRole('button', { name: 'Remove target 1' })).toBeInTheDocument();
    expect(within(form).getByRole('button', { name: 'Add target' })).toBeEnabled();
  });

  it('puts the form’s own check under the field it concerns, without calling the API', async () => {
    const { form, onCreate, user } = setup(() => null);
    await user.click(within(form).getByRole('button', { name: 'Create rule' }));
    const name = within(form).getByLabelText('Name');
    expect(name).toHaveAttribute('aria-invalid', 'true');
    expect(errorOf(name)).toBe('Give the rule a name.');
    expect(onCreate).not.toHaveBeenCalled();
  });

  it('shows the API’s 422 problems under the target fields they name', async () => {
    const { form, user } = setup(() =>
      invalidRule([
        {
          field: 'targets.0.secret',
          message: 'Too small: expected string to have >=16 characters',
        },
        { field: 'window', message: 'must be whole minutes (rollups are per minute)' },
      ]),
    );
    await user.type(within(form).getByLabelText('Name'), 'checkout');
    const window = within(form).getByLabelText('Window');
    await user.clear(window);
    await user.type(window, '90s');
    await user.type(
      within(form).getByLabelText('Webhook URL (optional)'),
      'https://hooks.example.com/b',
    );
    await user.type(within(form).getByLabelText('Signing secret (optional)'), 'short');
    await user.click(within(form).getByRole('button', { name: 'Create rule' }));

    const secret = within(form).getByLabelText('Signing secret (optional)');
    await waitFor(() => expect(secret).toHaveAttribute('aria-invalid', 'true'));
    expect(errorOf(secret)).toBe('Too small: expected string to have >=16 characters');
    expect(errorOf(window)).toBe('must be whole minutes (rollups are per minute)');
    expect(within(form).getByLabelText('Name')).not.toHaveAttribute('aria-invalid');
    expect(within(form).queryByRole('alert')).not.toBeInTheDocument();
    // What was typed stays, so it can be corrected.
    expect(within(form).getByLabelText('Name')).toHaveValue('checkout');
  });

  it('puts a refused webhook target under the URL field', async () => {
    const { form, user } = setup(() =>
      errorFromStatus(422, {
        error: {
          code: 'webhook_target_refused',
          message: 'targets.0.url resolves to a private address.',
          field: 'targets.0.url',
          request_id: 'req_2',
        },
      }),
    );
    await user.type(within(form).getByLabelText('Name'), 'x');
    await user.type(within(form).getByLabelText('Webhook URL (optional)'), 'http://10.0.0.1/h');
    await user.click(within(form).getByRole('button', { name: 'Create rule' }));
    const url = within(form).getByLabelText('Webhook URL (optional)');
    await waitFor(() => expect(errorOf(url)).toBe('targets.0.url resolves to a private address.'));
  });

  it('says problems with fields the form does not have once, for the whole form', async () => {
    const { form, user } = setup(() =>
      invalidRule([{ field: 'resolve_threshold', message: 'must be below the threshold' }]),
    );
    await user.type(within(form).getByLabelText('Name'), 'x');
    await user.click(within(form).getByRole('button', { name: 'Create rule' }));
    expect(await within(form).findByRole('alert')).toHaveTextContent(
      'resolve_threshold: must be below the threshold',
    );
  });

  it('clears the form and says so once the rule is created', async () => {
    const { form, onCreate, user } = setup(() => null);
    await user.type(within(form).getByLabelText('Name'), 'checkout');
    await user.selectOptions(within(form).getByLabelText('Severity'), 'critical');
    await user.click(within(form).getByRole('button', { name: 'Create rule' }));
    await within(form).findByText('Rule “checkout” created.');
    expect(onCreate.mock.calls[0]?.[0]).toMatchObject({ name: 'checkout', severity: 'critical' });
    expect(within(form).getByLabelText('Name')).toHaveValue('');
  });

  it('asks for an objective instead of metric and threshold for burn-rate rules', async () => {
    const { form, user } = setup(() => null);
    await user.selectOptions(within(form).getByLabelText('Kind'), 'burn_rate');
    expect(within(form).getByLabelText('Objective (%)')).toBeInTheDocument();
    expect(within(form).queryByLabelText('Metric')).not.toBeInTheDocument();
  });

  describe('several targets', () => {
    const PAGER_SECRET = 'pager-secret-0123456789';

    it('sends every target in order, each with its own type and secret', async () => {
      const { form, onCreate, user } = setup(() => null);
      await user.type(within(form).getByLabelText('Name'), 'checkout');
      await user.type(target(form, 1).url, 'https://pager.example.com/hook');
      await user.type(target(form, 1).secret, PAGER_SECRET);
      await user.click(within(form).getByRole('button', { name: 'Add target' }));
      // The new target takes the focus, so typing carries on there.
      expect(target(form, 2).type).toHaveFocus();
      await user.selectOptions(target(form, 2).type, 'slack');
      await user.type(target(form, 2).url, 'https://hooks.slack.example/services/T/B/x');
      // Every target's fields have ids of their own, so each label names one field.
      const ids = [1, 2].flatMap((n) => Object.values(target(form, n)).map((el) => el.id));
      expect(new Set(ids.filter(Boolean)).size).toBe(6);
      await user.click(within(form).getByRole('button', { name: 'Create rule' }));

      await within(form).findByText('Rule “checkout” created.');
      expect(onCreate).toHaveBeenCalledTimes(1);
      expect(onCreate.mock.calls[0]?.[0].targets).toEqual([
        { type: 'webhook', url: 'https://pager.example.com/hook', secret: PAGER_SECRET },
        { type: 'slack', url: 'https://hooks.slack.example/services/T/B/x' },
      ]);
      // The secret is write-only: once sent, it is nowhere in the page, and the form is fresh.
      expect(document.body.innerHTML).not.toContain(PAGER_SECRET);
      expect(within(form).getAllByRole('group')).toHaveLength(1);
      expect(target(form, 1).secret).toHaveValue('');
    });

    it('removes a target, renumbering the rest and keeping what was typed in them', async () => {
      const { form, onCreate, user } = setup(() => null);
      await user.type(within(form).getByLabelText('Name'), 'checkout');
      await user.type(target(form, 1).url, 'https://first.example.com/hook');
      await user.click(within(form).getByRole('button', { name: 'Add target' }));
      await user.type(target(form, 2).url, 'https://second.example.com/hook');
      await user.type(target(form, 2).secret, PAGER_SECRET);

      await user.click(within(form).getByRole('button', { name: 'Remove target 1' }));
      expect(within(form).getAllByRole('group')).toHaveLength(1);
      expect(target(form, 1).url).toHaveValue('https://second.example.com/hook');
      // The pressed button is gone; focus lands somewhere useful rather than on the page.
      expect(within(form).getByRole('button', { name: 'Add target' })).toHaveFocus();
      await user.click(within(form).getByRole('button', { name: 'Create rule' }));

      await within(form).findByText('Rule “checkout” created.');
      expect(onCreate.mock.calls[0]?.[0].targets).toEqual([
        { type: 'webhook', url: 'https://second.example.com/hook', secret: PAGER_SECRET },
      ]);
    });

    it('sends no targets once every target is removed', async () => {
      const { form, onCreate, user } = setup(() => null);
      await user.type(within(form).getByLabelText('Name'), 'quiet');
      await user.click(within(form).getByRole('button', { name: 'Remove target 1' }));
      expect(within(form).queryByRole('group')).not.toBeInTheDocument();
      await user.click(within(form).getByRole('button', { name: 'Create rule' }));
      await within(form).findByText('Rule “quiet” created.');
      expect(onCreate.mock.calls[0]?.[0]).not.toHaveProperty('targets');
    });

    it('stops at the API’s limit of 5 targets, saying why', async () => {
      const { form, user } = setup(() => null);
      const add = within(form).getByRole('button', { name: 'Add target' });
      for (let i = 0; i < 4; i++) await user.click(add);
      expect(within(form).getAllByRole('group')).toHaveLength(5);
      expect(add).toBeDisabled();
      expect(add).toHaveAccessibleDescription('At most 5 targets per rule.');

      await user.click(within(form).getByRole('button', { name: 'Remove target 5' }));
      expect(add).toBeEnabled();
      expect(add).not.toHaveAccessibleDescription();
    });

    it('shows the API’s problem with the second target next to that target’s field only', async () => {
      const { form, user } = setup(() =>
        invalidRule([{ field: 'targets.1.url', message: 'must be an http(s) URL' }]),
      );
      await user.type(within(form).getByLabelText('Name'), 'checkout');
      await user.type(target(form, 1).url, 'https://first.example.com/hook');
      await user.click(within(form).getByRole('button', { name: 'Add target' }));
      await user.type(target(form, 2).url, 'ftp://second.example.com/hook');
      await user.click(within(form).getByRole('button', { name: 'Create rule' }));

      await waitFor(() => expect(target(form, 2).url).toHaveAttribute('aria-invalid', 'true'));
      expect(errorOf(target(form, 2).url)).toBe('must be an http(s) URL');
      expect(target(form, 1).url).not.toHaveAttribute('aria-invalid');
      expect(errorOf(target(form, 1).url)).toBeNull();
      expect(within(form).queryByRole('alert')).not.toBeInTheDocument();

      // The problem belongs to that target, not to a position: removing the first keeps it there.
      await user.click(within(form).getByRole('button', { name: 'Remove target 1' }));
      expect(target(form, 1).url).toHaveValue('ftp://second.example.com/hook');
      expect(errorOf(target(form, 1).url)).toBe('must be an http(s) URL');
    });

    it('puts a refused second webhook target under its URL field', async () => {
      const { form, user } = setup(() =>
        errorFromStatus(422, {
          error: {
            code: 'webhook_target_refused',
            message: 'targets.1.url resolves to a private address.',
            field: 'targets.1.url',
            request_id: 'req_3',
          },
        }),
      );
      await user.type(within(form).getByLabelText('Name'), 'x');
      await user.type(target(form, 1).url, 'https://first.example.com/hook');
      await user.click(within(form).getByRole('button', { name: 'Add target' }));
      await user.type(target(form, 2).url, 'http://10.0.0.1/h');
      await user.click(within(form).getByRole('button', { name: 'Create rule' }));
      await waitFor(() =>
        expect(errorOf(target(form, 2).url)).toBe('targets.1.url resolves to a private address.'),
      );
      expect(errorOf(target(form, 1).url)).toBeNull();
    });
  });
});
