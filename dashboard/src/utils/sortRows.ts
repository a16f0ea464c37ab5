export type SortOrder = 'asc' | 'desc';

export interface SortState<K extends string> {
  key: K;
  order: SortOrder;
}

/**
 * Sorts a copy of `rows` by one field. Numbers compare numerically, strings with the locale,
 * missing values always go last, and equal rows keep their original order (stable), so a
 * table doesn't shuffle on refresh.
 */
export function sortRows<T, K extends keyof T & string>(
  rows: readonly T[],
  key: K,
  order: SortOrder,
): T[] {
  const dir = order === 'asc' ? 1 : -1;
  return rows
    .map((row, index) => ({ row, index }))
    .sort((a, b) => {
      const av = a.row[key];
      const bv = b.row[key];
      const aMissing =
        av === undefined || av === null || (typeof av === 'number' && Number.isNaN(av));
      const bMissing =
        bv === undefined || bv === null || (typeof bv === 'number' && Number.isNaN(bv));
      if (aMissing || bMissing) {
        if (aMissing && bMissing) return a.index - b.index;
        return aMissing ? 1 : -1;
      }
      let c: number;
      if (typeof av === 'number' && typeof bv === 'number') c = av - bv;
      else c = String(av).localeCompare(String(bv));
      return c !== 0 ? c * dir : a.index - b.index;
    })
    .map((x) => x.row);
}

/** Reads `sort`/`order` from the URL, accepting only known keys. */
export function parseSort<K extends string>(
  params: URLSearchParams,
  allowed: readonly K[],
  fallback: SortState<K>,
): SortState<K> {
  const key = params.get('sort');
  const order = params.get('order');
  return {
    key: allowed.includes(key as K) ? (key as K) : fallback.key,
    order: order === 'asc' || order === 'desc' ? order : fallback.order,
  };
}

/** Clicking a header: same column flips the order, a new column starts descending for numbers. */
export function nextSort<K extends string>(
  current: SortState<K>,
  key: K,
  numeric: boolean,
): SortState<K> {
  if (current.key === key) return { key, order: current.order === 'asc' ? 'desc' : 'asc' };
  return { key, order: numeric ? 'desc' : 'asc' };
}
