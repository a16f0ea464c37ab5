import type { AlertDelivery } from '../../api/analytics/getAlerts.js';
import { type DeliveryTone, describeDelivery } from './delivery.js';

/** A mark beside the words, never instead of them (colour and symbol alone are not enough). */
const MARK: Record<DeliveryTone, string> = {
  delivered: '✓',
  queued: '…',
  retrying: '↻',
  failed: '✗',
};

/**
 * What became of each notification of one alert change, one line per target: delivered,
 * retrying (which attempt failed, when the next one is due, the last error) or NOT delivered.
 * Target URLs appear only as scheme + host (see `targetLabel`).
 */
export function DeliveryList({
  deliveries,
  empty = '–',
}: {
  deliveries: readonly AlertDelivery[];
  empty?: string;
}) {
  if (deliveries.length === 0) return <span className="muted">{empty}</span>;
  return (
    <ul className="deliveries">
      {deliveries.map((d) => {
        const v = describeDelivery(d);
        return (
          <li
            key={d.notification_id}
            className={`delivery delivery-${v.tone}`}
            data-delivery-state={v.tone}
          >
            <span className="delivery-status">
              <span aria-hidden="true" className="delivery-mark">
                {MARK[v.tone]}
              </span>{' '}
              {v.status}
            </span>{' '}
            <span className="delivery-target small">{v.target}</span>
            {v.problem ? <span className="delivery-problem small">{v.problem}</span> : null}
          </li>
        );
      })}
    </ul>
  );
}

/** One line over the history when notifications failed or are being retried; nothing if not. */
export function DeliverySummary({ failed, retrying }: { failed: number; retrying: number }) {
  if (failed === 0 && retrying === 0) return null;
  const parts: string[] = [];
  if (failed > 0)
    parts.push(
      `${failed} notification${failed === 1 ? '' : 's'} did NOT reach ${failed === 1 ? 'its' : 'their'} receiver`,
    );
  if (retrying > 0) {
    const what = failed > 0 ? 'more' : `notification${retrying === 1 ? '' : 's'}`;
    parts.push(`${retrying} ${what} ${retrying === 1 ? 'is' : 'are'} being retried`);
  }
  return (
    <p className={`delivery-summary ${failed > 0 ? 'delivery-failed' : 'delivery-retrying'}`}>
      <span aria-hidden="true" className="delivery-mark">
        {failed > 0 ? MARK.failed : MARK.retrying}
      </span>{' '}
      {parts.join('; ')}.
    </p>
  );
}
