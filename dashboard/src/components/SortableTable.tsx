import type { ReactNode } from 'react';
import type { SortState } from '../utils/sortRows.js';

export interface Column<T, K extends string> {
  key: K | string;
  label: string;
  numeric?: boolean;
  /** Only columns whose key is a sort key get a sort button. */
  sortable?: boolean;
  render(row: T): ReactNode;
}

/** A table whose headers are sort buttons; rows arrive already sorted (see utils/sortRows). */
export function SortableTable<T, K extends string>(props: {
  caption: string;
  columns: readonly Column<T, K>[];
  rows: readonly T[];
  rowKey(row: T): string;
  sort?: SortState<K>;
  onSort?(key: K, numeric: boolean): void;
}) {
  const { caption, columns, rows, rowKey, sort, onSort } = props;
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
            <tr key={rowKey(row)}>
              {columns.map((c) => (
                <td key={c.key} className={c.numeric ? 'num' : undefined} data-label={c.label}>
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
