import type { ReactNode } from 'react';
import type { AppError } from '../api/errors.js';
import { DataTable, type DataTableProps } from './DataTable.js';
import { Async, EmptyState } from './States.js';

/**
 * A table fed by a remote list (see hooks/useRemote): loading, error with retry, an empty
 * state, then the rows; the last rows stay while a refresh runs.
 */
export function RemoteTable<T, K extends string = string>({
  remote,
  emptyTitle,
  emptyBody,
  minHeight,
  ...table
}: {
  remote: {
    data: readonly T[] | undefined;
    error: AppError | undefined;
    loading: boolean;
    reload(): void;
  };
  emptyTitle: string;
  emptyBody?: ReactNode;
  minHeight?: number;
} & Omit<DataTableProps<T, K>, 'rows' | 'empty'>) {
  return (
    <Async
      data={remote.data}
      error={remote.error}
      loading={remote.loading}
      onRetry={remote.reload}
      {...(minHeight ? { minHeight } : {})}
      isEmpty={(rows) => rows.length === 0}
      empty={<EmptyState title={emptyTitle}>{emptyBody}</EmptyState>}
    >
      {(rows) => <DataTable {...table} rows={rows} />}
    </Async>
  );
}
