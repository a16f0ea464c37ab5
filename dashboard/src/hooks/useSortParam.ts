import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';
import { nextSort, parseSort, type SortState } from '../utils/sortRows.js';

/** Table sort kept in the URL (`sort`, `order`). */
export function useSortParam<K extends string>(allowed: readonly K[], fallback: SortState<K>) {
  const [params, setParams] = useSearchParams();
  // biome-ignore lint/correctness/useExhaustiveDependencies: allowed/fallback are module constants
  const sort = useMemo(() => parseSort(params, allowed, fallback), [params]);
  const onSort = useCallback(
    (key: K, numeric: boolean) => {
      const next = nextSort(sort, key, numeric);
      setParams(
        (prev) => {
          const p = new URLSearchParams(prev);
          p.set('sort', next.key);
          p.set('order', next.order);
          return p;
        },
        { replace: true },
      );
    },
    [sort, setParams],
  );
  return { sort, onSort };
}
