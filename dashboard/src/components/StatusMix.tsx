import type { StatusMixRow } from '../features/endpoints/utils.js';
import { formatCount, formatPercent } from '../utils/format.js';

const CLASS: Record<StatusMixRow['label'], string> = {
  '2xx': 'ok',
  '3xx': 'redirect',
  '4xx': 'client',
  '5xx': 'server',
};

/** Share of each status class as labelled bars (text carries the numbers, not colour alone). */
export function StatusMix({ rows }: { rows: readonly StatusMixRow[] }) {
  return (
    <ul className="mix">
      {rows.map((r) => (
        <li key={r.label} className="mix-row">
          <span className="mix-label">{r.label}</span>
          <span className="mix-bar" aria-hidden="true">
            <span
              className={`mix-fill status-${CLASS[r.label]}`}
              style={{ width: `${r.share * 100}%` }}
            />
          </span>
          <span className="mix-num">
            {formatCount(r.requests)} ({formatPercent(r.share)})
          </span>
        </li>
      ))}
    </ul>
  );
}
