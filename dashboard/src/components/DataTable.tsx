import type { ReactNode } from 'react';
import type { SortState } from '../utils/sortRows.js';

export interface Column<T, K extends string = string> {
  key: K | string;
  label: string;
  numeric?: boolean;
  /** Only columns whose key is a sort key get a sort button (and only with `onSort`). */
  sortable?: boolean;
  /** The header is read by screen readers only (e.g. a column of buttons). */
  hideLabel?: boolean;
  className?: string;
  render(row: T): ReactNode;
}

/**
 * The dashboard's one table: a caption for screen readers, headers that sort when asked to,
 * rows arriving already sorted (see utils/sortRows), one card per row on phones (`.stack`,
 * each cell labelled), and a quiet line instead of an empty table.
 */
export interface DataTableProps<T, K extends string = string> {
  caption: string;
  columns: readonly Column<T, K>[];
  rows: readonly T[];
  rowKey(row: T): string;
  /** Extra `data-*` attributes per row, for tests and tooling to find a row by id. */
  rowData?(row: T): Record<`data-${string}`, string>;
  sort?: SortState<K>;
  onSort?(key: K, numeric: boolean): void;
  /** Shown as a quiet line instead of a table without rows. */
  empty?: ReactNode;
}

/** The keys of `T` whose values are numbers. */
type NumberKey<T> = { [P in keyof T]-?: T[P] extends number ? P : never }[keyof T] & string;

/** A right-aligned, sortable column showing one numeric field through a formatter. */
export function metricColumn<T, K extends string>(
  key: NumberKey<T> & K,
  label: string,
  format: (value: number) => string,
): Column<T, K> {
  return { key, label, numeric: true, sortable: true, render: (row) => format(row[key] as number) };
}

export function DataTable<T, K extends string = string>(props: DataTableProps<T, K>) {
  const { caption, columns, rows, rowKey, rowData, sort, onSort, empty } = props;
  if (rows.length === 0 && empty !== undefined) return <p className="muted">{empty}</p>;
  const cellClass = (c: Column<T, K>) =>
    [c.numeric ? 'num' : '', c.className ?? ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className="table-wrap">
      <table className="table stack">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => {
              const active = sort?.key === c.key;
              const ariaSort = active
                ? sort?.order === 'asc'
                  ? 'ascending'
                  : 'descending'
                : undefined;
              return (
                <th
                  key={c.key}
                  scope="col"
                  className={c.numeric ? 'num' : undefined}
                  aria-sort={ariaSort}
                >
                  {c.sortable && onSort ? (
                    <button
                      type="button"
                      className="th-sort"
                      onClick={() => onSort(c.key as K, c.numeric === true)}
                    >
                      {c.label}
                      <span aria-hidden="true" className="sort-mark">
                        {active ? (sort?.order === 'asc' ? ' ▲' : ' ▼') : ''}
                      </span>
                    </button>
                  ) : c.hideLabel ? (
                    <span className="sr-only">{c.label}</span>
                  ) : (
                    c.label
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)} {...rowData?.(row)}>
              {columns.map((c) => (
                <td key={c.key} className={cellClass(c)} data-label={c.label}>
                  {c.render(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
