import type { AlertHistoryEntry, AlertItem, AlertRule } from '../../api/analytics/getAlerts.js';
import { type Column, DataTable } from '../../components/DataTable.js';
import { Panel } from '../../components/Panel.js';
import { ActionFailed, Async, EmptyState } from '../../components/States.js';
import { PageHeader } from '../../components/Toolbar.js';
import { config } from '../../config.js';
import { useAutoRefresh } from '../../hooks/useAutoRefresh.js';
import { formatDate } from '../../utils/format.js';
import { DeliveryList, DeliverySummary } from './DeliveryList.js';
import { deliveriesOf, deliveryCounts, lastFiringDeliveries, targetLabel } from './delivery.js';
import { NewRuleForm } from './NewRuleForm.js';
import { useAlertsData } from './useAlertsData.js';
import { describeRule, formatAlertValue } from './utils.js';

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
      <ActionFailed error={data.actionError} />
      <Async {...data} onRetry={data.reload} minHeight={300}>
        {(d) =>
          !d.configured ? (
            <EmptyState title="Alerting is not configured.">
              This collector does not serve alert rules (<code>/api/v1/alerts/…</code>); it runs
              with <code>ALERTS_ENABLED=false</code>.
            </EmptyState>
          ) : (
            <>
              <FiringList items={d.firing} history={d.history} />
              <RulesTable
                rules={d.rules}
                pending={data.pending}
                onDelete={(id) => void data.actions.deleteRule(id)}
                onToggle={(id, enabled) => void data.actions.setEnabled(id, enabled)}
              />
              <Panel title="New rule">
                <NewRuleForm busy={data.pending === 'create'} onCreate={data.actions.createRule} />
              </Panel>
              <HistoryList items={d.history} rules={d.rules} />
            </>
          )
        }
      </Async>
    </>
  );
}

function FiringList({
  items,
  history,
}: {
  items: readonly AlertItem[];
  history: readonly AlertHistoryEntry[];
}) {
  return (
    <Panel title="Firing">
      {items.length === 0 ? (
        <p className="muted">Nothing is firing.</p>
      ) : (
        <ul className="alert-list">
          {items.map((a, i) => (
            <li key={a.id ?? `${a.name}-${i}`} className="alert-item">
              <strong>{a.name ?? 'alert'}</strong> <span className="badge">firing</span>
              {a.severity ? <span className="muted small"> {a.severity}</span> : null}
              {a.summary ? <div>{a.summary}</div> : null}
              {a.started_at ? (
                <div className="muted small">since {formatDate(a.started_at)}</div>
              ) : null}
              {typeof a.rule_id === 'string' ? (
                <DeliveryList
                  deliveries={lastFiringDeliveries(history, a.rule_id)}
                  empty="No notification targets."
                />
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}

function RulesTable({
  rules,
  pending,
  onDelete,
  onToggle,
}: {
  rules: readonly AlertRule[];
  pending: string | null;
  onDelete: (id: string) => void;
  onToggle: (id: string, enabled: boolean) => void;
}) {
  const columns: Column<AlertRule>[] = [
    {
      key: 'name',
      label: 'Name',
      render: (r) => (
        <span>
          {r.name} <span className="muted small">{r.severity}</span>
        </span>
      ),
    },
    { key: 'condition', label: 'Condition', render: describeRule },
    {
      key: 'state',
      label: 'State',
      render: (r) => (
        <span>
          <span className="badge">{r.state}</span>
          {r.enabled ? null : <span className="muted small"> disabled</span>}
        </span>
      ),
    },
    {
      key: 'value',
      label: 'Last value',
      render: (r) => (r.requests ? formatAlertValue(r, r.value) : '–'),
    },
    {
      key: 'targets',
      label: 'Notifies',
      className: 'small',
      render: (r) =>
        r.targets.length === 0
          ? '–'
          : r.targets.map((t) => `${t.type}: ${targetLabel(t.url)}`).join(', '),
    },
    {
      key: 'actions',
      label: 'Actions',
      hideLabel: true,
      className: 'nowrap',
      render: (r) => (
        <div className="actions">
          <button
            type="button"
            className="btn"
            disabled={pending === `toggle:${r.id}`}
            onClick={() => onToggle(r.id, !r.enabled)}
          >
            {r.enabled ? 'Disable' : 'Enable'} <span className="sr-only">{r.name}</span>
          </button>
          <button
            type="button"
            className="btn"
            disabled={pending === `delete:${r.id}`}
            onClick={() => {
              if (window.confirm(`Delete the rule “${r.name}”? Its history stays.`)) onDelete(r.id);
            }}
          >
            Delete <span className="sr-only">{r.name}</span>
          </button>
        </div>
      ),
    },
  ];
  return (
    <Panel title="Rules">
      <DataTable
        caption="Alert rules"
        columns={columns}
        rows={rules}
        rowKey={(r) => r.id}
        empty="No rules defined."
      />
    </Panel>
  );
}

function HistoryList({
  items,
  rules,
}: {
  items: readonly AlertHistoryEntry[];
  rules: readonly AlertRule[];
}) {
  const byId = new Map(rules.map((r) => [r.id, r]));
  const columns: Column<AlertHistoryEntry>[] = [
    { key: 'at', label: 'When', render: (h) => formatDate(h.at) },
    { key: 'rule', label: 'Rule', render: (h) => h.name },
    {
      key: 'change',
      label: 'Change',
      render: (h) => (
        <span>
          {h.from_state} → <span className="badge">{h.to_state}</span>
        </span>
      ),
    },
    {
      key: 'value',
      label: 'Value',
      render: (h) => (
        <span>
          {formatAlertValue(byId.get(h.rule_id), h.value)}
          <span className="muted small">
            {' '}
            (threshold {formatAlertValue(byId.get(h.rule_id), h.threshold)})
          </span>
        </span>
      ),
    },
    { key: 'requests', label: 'Requests', numeric: true, render: (h) => h.requests },
    {
      key: 'notified',
      label: 'Notifications',
      className: 'deliveries-cell',
      render: (h) => <DeliveryList deliveries={deliveriesOf(h)} />,
    },
  ];
  return (
    <Panel title="History">
      <DeliverySummary {...deliveryCounts(items)} />
      <DataTable
        caption="Alert history"
        columns={columns}
        rows={items}
        rowKey={(h) => h.id}
        rowData={(h) => ({ 'data-history-id': h.id })}
        empty="No alert has changed state yet."
      />
    </Panel>
  );
}
