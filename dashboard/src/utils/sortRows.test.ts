import { describe, expect, it } from 'vitest';
import { nextSort, parseSort, sortRows } from './sortRows.js';

interface Row {
  name: string;
  n: number | undefined;
}
const rows: Row[] = [
  { name: 'b', n: 2 },
  { name: 'a', n: 10 },
  { name: 'c', n: undefined },
  { name: 'd', n: 2 },
];

describe('sortRows', () => {
  it('sorts numbers numerically, not as text', () => {
    expect(sortRows(rows, 'n', 'asc').map((r) => r.name)).toEqual(['b', 'd', 'a', 'c']);
    expect(sortRows(rows, 'n', 'desc').map((r) => r.name)).toEqual(['a', 'b', 'd', 'c']);
  });

  it('keeps missing values last in both directions', () => {
    expect(sortRows(rows, 'n', 'asc').at(-1)?.name).toBe('c');
    expect(sortRows(rows, 'n', 'desc').at(-1)?.name).toBe('c');
  });

  it('is stable: equal values keep their input order', () => {
    expect(
      sortRows(rows, 'n', 'desc')
        .filter((r) => r.n === 2)
        .map((r) => r.name),
    ).toEqual(['b', 'd']);
  });

  it('sorts strings and leaves the input untouched', () => {
    const copy = [...rows];
    expect(sortRows(rows, 'name', 'desc').map((r) => r.name)).toEqual(['d', 'c', 'b', 'a']);
    expect(rows).toEqual(copy);
  });
});

describe('table sort state', () => {
  const allowed = ['route', 'requests'] as const;
  it('reads only known keys and orders from the URL', () => {
    const fallback = { key: 'requests' as const, order: 'desc' as const };
    expect(parseSort(new URLSearchParams('sort=route&order=asc'), allowed, fallback)).toEqual({
      key: 'route',
      order: 'asc',
    });
    expect(
      parseSort(new URLSearchParams('sort=drop_table&order=sideways'), allowed, fallback),
    ).toEqual(fallback);
  });

  it('flips the order on the same column and starts numbers descending, text ascending', () => {
    expect(nextSort({ key: 'requests', order: 'desc' }, 'requests', true)).toEqual({
      key: 'requests',
      order: 'asc',
    });
    expect(nextSort({ key: 'route', order: 'asc' }, 'requests', true)).toEqual({
      key: 'requests',
      order: 'desc',
    });
    expect(nextSort({ key: 'requests', order: 'desc' }, 'route', false)).toEqual({
      key: 'route',
      order: 'asc',
    });
  });
});
