import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { type Column, DataTable, metricColumn } from './DataTable.js';

interface Row {
  name: string;
  requests: number;
}
type Key = 'name' | 'requests';
const rows: Row[] = [
  { name: 'a', requests: 12_000 },
  { name: 'b', requests: 3 },
];
const columns: Column<Row, Key>[] = [
  { key: 'name', label: 'Name', sortable: true, render: (r) => r.name },
  metricColumn<Row, Key>('requests', 'Requests', (n) => `${n} req`),
  {
    key: 'actions',
    label: 'Actions',
    hideLabel: true,
    render: () => <button type="button">Go</button>,
  },
];

describe('DataTable', () => {
  it('names the table by its caption, labels every cell for phone layout, and tags rows', () => {
    render(
      <DataTable
        caption="Things"
        columns={columns}
        rows={rows}
        rowKey={(r) => r.name}
        rowData={(r) => ({ 'data-name': r.name })}
      />,
    );
    const table = screen.getByRole('table', { name: 'Things' });
    const cell = within(table).getByText('12000 req');
    expect(cell).toHaveAttribute('data-label', 'Requests');
    expect(cell).toHaveClass('num');
    expect(cell.closest('tr')).toHaveAttribute('data-name', 'a');
    // Without onSort the headers are plain text; a hidden label is still read out.
    expect(within(table).queryAllByRole('button', { name: /Name/ })).toHaveLength(0);
    expect(within(table).getByRole('columnheader', { name: 'Actions' })).toBeInTheDocument();
  });

  it('offers sort buttons with onSort and marks the sorted column', async () => {
    const onSort = vi.fn();
    render(
      <DataTable
        caption="Things"
        columns={columns}
        rows={rows}
        rowKey={(r) => r.name}
        sort={{ key: 'requests', order: 'desc' }}
        onSort={onSort}
      />,
    );
    expect(screen.getByRole('columnheader', { name: /Requests/ })).toHaveAttribute(
      'aria-sort',
      'descending',
    );
    await userEvent.setup().click(screen.getByRole('button', { name: /Requests/ }));
    expect(onSort).toHaveBeenCalledWith('requests', true);
  });

  it('says so in one line instead of drawing an empty table', () => {
    render(
      <DataTable
        caption="Things"
        columns={columns}
        rows={[]}
        rowKey={(r) => r.name}
        empty="None."
      />,
    );
    expect(screen.queryByRole('table')).toBeNull();
    expect(screen.getByText('None.')).toBeInTheDocument();
  });
});
