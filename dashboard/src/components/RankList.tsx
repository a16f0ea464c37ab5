import type { ReactNode } from 'react';
import { formatCount } from '../utils/format.js';

/** A numbered "top N" list: what, and how many requests, or a quiet line when there is none. */
export function RankList<T>({
  items,
  itemKey,
  label,
  count,
  empty,
}: {
  items: readonly T[];
  itemKey(item: T): string;
  label(item: T): ReactNode;
  count(item: T): number;
  empty: ReactNode;
}) {
  if (items.length === 0) return <p className="muted">{empty}</p>;
  return (
    <ol className="rank">
      {items.map((item) => (
        <li key={itemKey(item)}>
          {label(item)}
          <span className="num">{formatCount(count(item))}</span>
        </li>
      ))}
    </ol>
  );
}
