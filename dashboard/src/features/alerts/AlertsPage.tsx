import type { AlertItem } from '../../api/analytics/getAlerts.js';
import { Async, EmptyState } from '../../components/States.js';
import { PageHeader } from '../../components/Toolbar.js';
import { config } from '../../config.js';
import { useAutoRefresh } from '../../hooks/useAutoRefresh.js';
import { formatDate } from '../../utils/format.js';
import { useAlertsData } from './useAlertsData.js';

export function AlertsPage() {
  const live = useAutoRefresh(config.autoRefreshMs);
  const data = useAlertsData(live.tick);
  return (
    <>
      <PageHeader
        title="Alerts"
        subtitle="Rules on error rates, what fires now, and what fired before."
        live={live.enabled}
        onLive={live.setEnabled}
        onRefresh={data.reload}
        loading={data.loading}
      />
      <Async {...data} onRetry={data.reload} minHeight={300}>
        {(d) =>
          !d.configured ? (
            <EmptyState title="Alerting is not configured.">
              This collector does not serve alert rules yet (<code>/api/v1/alerts/…</code>). Once
              alert rules are set up, rules, firing alerts and their history appear here.
            </EmptyState>
          ) : (
            <>
              <AlertList title="Firing" items={d.firing} empty="Nothing is firing." />
              <AlertList title="Rules" items={d.rules} empty="No rules defined." />
              <AlertList title="History" items={d.history} empty="No alert has fired yet." />
            </>
          )
        }
      </Async>
    </>
  );
}

function AlertList({
  title,
  items,
  empty,
}: {
  title: string;
  items: readonly AlertItem[];
  empty: string;
}) {
  return (
    <section className="panel" aria-label={title}>
      <h2>{title}</h2>
      {items.length === 0 ? (
        <p className="muted">{empty}</p>
      ) : (
        <ul className="alert-list">
          {items.map((a, i) => (
            <li key={a.id ?? `${a.name ?? a.rule}-${i}`} className="alert-item">
              <strong>{a.name ?? a.rule ?? 'alert'}</strong>
              {a.state ? <span className="badge">{a.state}</span> : null}
              {a.severity ? <span className="muted small"> {a.severity}</span> : null}
              {a.summary ? <div>{a.summary}</div> : null}
              {a.started_at ? (
                <div className="muted small">
                  since {formatDate(a.started_at)}
                  {a.ended_at ? ` until ${formatDate(a.ended_at)}` : ''}
                </div>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
