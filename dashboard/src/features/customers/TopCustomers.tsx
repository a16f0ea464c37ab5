import type { CustomerRow } from '@gatehouse/shared';
import { RankList } from '../../components/RankList.js';
import { CustomerRef } from '../../components/Refs.js';

/** The busiest customers of a window, labelled with their names when the admin API knows them. */
export function TopCustomers({
  rows,
  names,
  search,
  empty,
}: {
  rows: readonly Pick<CustomerRow, 'customer_id' | 'requests'>[];
  names: ReadonlyMap<string, string>;
  search: string;
  empty: string;
}) {
  return (
    <RankList
      items={rows}
      itemKey={(c) => c.customer_id || '(anonymous)'}
      label={(c) => (
        <CustomerRef id={c.customer_id} name={names.get(c.customer_id)} search={search} />
      )}
      count={(c) => c.requests}
      empty={empty}
    />
  );
}
