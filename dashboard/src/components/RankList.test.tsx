import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { Panel } from './Panel.js';
import { RankList } from './RankList.js';

const rows = [
  { name: 'a', requests: 12_000 },
  { name: 'b', requests: 3 },
];

describe('Panel and RankList', () => {
  it('names the region by its title and ranks items with their counts', () => {
    render(
      <Panel title="Top things">
        <RankList
          items={rows}
          itemKey={(r) => r.name}
          label={(r) => <span>{r.name}</span>}
          count={(r) => r.requests}
          empty="No things."
        />
      </Panel>,
    );
    const region = screen.getByRole('region', { name: 'Top things' });
    const items = within(region).getAllByRole('listitem');
    expect(items.map((li) => li.textContent)).toEqual(['a12K', 'b3']);
  });

  it('shows a quiet line when there is nothing to rank', () => {
    render(
      <RankList items={[]} itemKey={String} label={String} count={() => 0} empty="No things." />,
    );
    expect(screen.getByText('No things.')).toBeInTheDocument();
    expect(screen.queryByRole('list')).toBeNull();
  });
});
