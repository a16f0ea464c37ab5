import { type ReactNode, useId, useState } from 'react';
import type { AlertRuleInput } from '../../api/analytics/createAlertRule.js';
import type { AlertHistoryEntry, AlertItem, AlertRule } from '../../api/analytics/getAlerts.js';
import { ALERT_METRICS } from '../../api/analytics/getAlerts.js';
import { type Column, DataTable } from '../../components/DataTable.js';
import { Panel } from '../../components/Panel.js';
import { ActionFailed, Async, EmptyState } from '../../components/States.js';
import { PageHeader } from '../../components/Toolbar.js';
import { config } from '../../config.js';
import { useAutoRefresh } from '../../hooks/useAutoRefresh.js';
import { formatDate } from '../../utils/format.js';
import { useAlertsData } from './useAlertsData.js';
import {
  buildRuleInput,
  describeRule,
  EMPTY_RULE_FORM,
  formatAlertValue,
  isLatency,
  METRIC_LABELS,
  type RuleForm,
} from './utils.js';

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
              <FiringList items={d.firing} />
              <RulesTable
                rules={d.rules}
                pending={data.pending}
                onDelete={(id) => void data.actions.deleteRule(id)}
                onToggle={(id, enabled) => void data.actions.setEnabled(id, enabled)}
              />
              <NewRuleForm
                busy={data.pending === 'create'}
                onCreate={(input) => data.actions.createRule(input)}
              />
              <HistoryList items={d.history} rules={d.rules} />
            </>
          )
        }
      </Async>
    </>
  );
}

function FiringList({ items }: { items: readonly AlertItem[] }) {
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
          : r.targets.map((t) => `${t.type}: ${new URL(t.url).host}`).join(', '),
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

function NewRuleForm({
  busy,
  onCreate,
}: {
  busy: boolean;
  onCreate: (input: AlertRuleInput) => Promise<boolean>;
}) {
  const id = useId();
  const [form, setForm] = useState<RuleForm>(EMPTY_RULE_FORM);
  const [problem, setProblem] = useState<{ error: string; field: keyof RuleForm } | null>(null);
  const set =
    <K extends keyof RuleForm>(k: K) =>
    (e: { target: { value: string } }) =>
      setForm((f) => ({ ...f, [k]: e.target.value as RuleForm[K] }));
  const field = (k: keyof RuleForm, label: string, input: ReactNode) => (
    <div className="field">
      <label htmlFor={`${id}-${k}`}>{label}</label>
      {input}
      {problem?.field === k ? <p className="field-error">{problem.error}</p> : null}
    </div>
  );
  const text = (k: keyof RuleForm, extra: Record<string, unknown> = {}) => (
    <input id={`${id}-${k}`} value={String(form[k])} onChange={set(k)} {...extra} />
  );
  return (
    <Panel title="New rule">
      <form
        className="inline-form"
        aria-label="New alert rule"
        onSubmit={async (e) => {
          e.preventDefault();
          const built = buildRuleInput(form);
          if ('error' in built) {
            setProblem(built);
            return;
          }
          setProblem(null);
          if (await onCreate(built.input)) setForm(EMPTY_RULE_FORM);
        }}
      >
        {field('name', 'Name', text('name'))}
        {field(
          'kind',
          'Kind',
          <select id={`${id}-kind`} value={form.kind} onChange={set('kind')}>
            <option value="threshold">Threshold</option>
            <option value="burn_rate">SLO burn rate</option>
          </select>,
        )}
        {field('route', 'Route (blank = all)', text('route', { placeholder: '/v1/orders' }))}
        {field('customer_id', 'Customer id (blank = all)', text('customer_id'))}
        {form.kind === 'threshold' ? (
          <>
            {field(
              'metric',
              'Metric',
              <select id={`${id}-metric`} value={form.metric} onChange={set('metric')}>
                {ALERT_METRICS.map((m) => (
                  <option key={m} value={m}>
                    {METRIC_LABELS[m]}
                  </option>
                ))}
              </select>,
            )}
            {field(
              'threshold',
              isLatency(form.metric) ? 'Threshold (ms)' : 'Threshold (%)',
              text('threshold', { inputMode: 'decimal' }),
            )}
            {field('window', 'Window', text('window', { placeholder: '5m' }))}
          </>
        ) : (
          field('objective', 'Objective (%)', text('objective', { inputMode: 'decimal' }))
        )}
        {field('min_requests', 'Min requests', text('min_requests', { inputMode: 'numeric' }))}
        {field('for', 'For', text('for', { placeholder: '1m' }))}
        {field(
          'severity',
          'Severity',
          <select id={`${id}-severity`} value={form.severity} onChange={set('severity')}>
            <option value="critical">critical</option>
            <option value="warning">warning</option>
            <option value="info">info</option>
          </select>,
        )}
        {field(
          'target_type',
          'Notify via',
          <select id={`${id}-target_type`} value={form.target_type} onChange={set('target_type')}>
            <option value="webhook">Webhook (Alertmanager JSON)</option>
            <option value="slack">Slack incoming webhook</option>
          </select>,
        )}
        {field('target_url', 'Webhook URL (optional)', text('target_url', { type: 'url' }))}
        {field(
          'target_secret',
          'Signing secret (optional)',
          text('target_secret', { type: 'password', autoComplete: 'off' }),
        )}
        <button type="submit" className="btn btn-primary" disabled={busy}>
          Create rule
        </button>
      </form>
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
  ];
  return (
    <Panel title="History">
      <DataTable
        caption="Alert history"
        columns={columns}
        rows={items}
        rowKey={(h) => h.id}
        empty="No alert has changed state yet."
      />
    </Panel>
  );
}
