import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { AppError } from '../api/errors.js';
import type { Column } from './DataTable.js';
import { RemoteTable } from './RemoteTable.js';

const rows = [{ name: 'a' }, { name: 'b' }];
const columns: Column<{ name: string }>[] = [{ key: 'name', label: 'Name', render: (r) => r.name }];

describe('RemoteTable', () => {
  const base = {
    caption: 'Things',
    columns,
    rowKey: (r: { name: string }) => r.name,
    emptyTitle: 'Nothing.',
  };

  it('shows loading, then an error with retry, then the empty state, then rows', async () => {
    const reload = vi.fn();
    const { rerender } = render(
      <RemoteTable
        {...base}
        remote={{ data: undefined, error: undefined, loading: true, reload }}
      />,
    );
    expect(screen.getByRole('status')).toHaveTextContent('Loading');

    rerender(
      <RemoteTable
        {...base}
        remote={{
          data: undefined,
          error: new AppError('network', 'Down.'),
          loading: false,
          reload,
        }}
      />,
    );
    expect(screen.getByRole('alert')).toHaveTextContent('Down.');
    await userEvent.setup().click(screen.getByRole('button', { name: 'Retry' }));
    expect(reload).toHaveBeenCalled();

    rerender(
      <RemoteTable {...base} remote={{ data: [], error: undefined, loading: false, reload }} />,
    );
    expect(screen.getByText('Nothing.')).toBeInTheDocument();

    rerender(
      <RemoteTable {...base} remote={{ data: rows, error: undefined, loading: false, reload }} />,
    );
    expect(screen.getByRole('table', { name: 'Things' })).toBeInTheDocument();
  });

  it('keeps the last rows when a refresh fails, with a warning', () => {
    render(
      <RemoteTable
        {...base}
        remote={{ data: rows, error: new AppError('http', 'Boom.'), loading: false, reload() {} }}
      />,
    );
    expect(screen.getByRole('table', { name: 'Things' })).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent('Refresh failed: Boom.');
  });
});
