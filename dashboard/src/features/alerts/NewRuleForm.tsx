import type { AlertRuleInput } from '../../api/analytics/createAlertRule.js';
import { ALERT_METRICS, type AlertMetric } from '../../api/analytics/getAlerts.js';
import type { AppError } from '../../api/errors.js';
import { SelectField } from '../../components/SelectField.js';
import { TextField } from '../../components/TextField.js';
import { useCreateForm } from '../../components/useCreateForm.js';
import {
  buildRuleInput,
  EMPTY_RULE_FORM,
  isLatency,
  METRIC_LABELS,
  type RuleForm,
  type RuleProblems,
  ruleProblemsFrom,
} from './utils.js';

const KINDS = [
  { value: 'threshold', label: 'Threshold' },
  { value: 'burn_rate', label: 'SLO burn rate' },
] as const;
const METRIC_OPTIONS = ALERT_METRICS.map((m) => ({ value: m, label: METRIC_LABELS[m] }));
const SEVERITY_OPTIONS = (['critical', 'warning', 'info'] as const).map((s) => ({
  value: s,
  label: s,
}));
const TARGET_TYPES = [
  { value: 'webhook', label: 'Webhook (Alertmanager JSON)' },
  { value: 'slack', label: 'Slack incoming webhook' },
] as const;

type TextKey = {
  [K in keyof RuleForm]: RuleForm[K] extends string
    ? string extends RuleForm[K]
      ? K
      : never
    : never;
}[keyof RuleForm];

/**
 * Creates an alert rule. Problems are shown under the fields they concern: the form's own
 * checks first, then the collector's answer (422 `invalid_rule` details,
 * `webhook_target_refused` on the URL).
 */
export function NewRuleForm({
  busy,
  onCreate,
}: {
  busy: boolean;
  onCreate(input: AlertRuleInput): Promise<AppError | null>;
}) {
  const { form, set, problems, formError, created, onSubmit } = useCreateForm<
    RuleForm,
    AlertRuleInput,
    RuleProblems
  >({
    empty: EMPTY_RULE_FORM,
    build: (f) => {
      const built = buildRuleInput(f);
      return 'error' in built ? { problems: { [built.field]: built.error } } : built;
    },
    create: onCreate,
    place: ruleProblemsFrom,
  });
  const text = (k: TextKey, label: string, extra: { hint?: string; placeholder?: string } = {}) => (
    <TextField
      label={label}
      value={form[k]}
      onValue={set(k)}
      error={problems[k]}
      autoComplete="off"
      spellCheck={false}
      {...extra}
    />
  );

  return (
    <form
      className="inline-form rule-form"
      aria-label="New alert rule"
      noValidate
      onSubmit={onSubmit}
    >
      {text('name', 'Name')}
      <SelectField label="Kind" value={form.kind} onValue={set('kind')} options={KINDS} />
      {text('route', 'Route (blank = all)', {
        placeholder: '/v1/orders',
        hint: 'A route template, e.g. /v1/orders/{id}.',
      })}
      {text('customer_id', 'Customer id (blank = all)')}
      {form.kind === 'threshold' ? (
        <>
          <SelectField<AlertMetric>
            label="Metric"
            value={form.metric}
            onValue={set('metric')}
            options={METRIC_OPTIONS}
            error={problems.metric}
          />
          <TextField
            label={isLatency(form.metric) ? 'Threshold (ms)' : 'Threshold (%)'}
            value={form.threshold}
            onValue={set('threshold')}
            error={problems.threshold}
            inputMode="decimal"
          />
          {text('window', 'Window', { placeholder: '5m', hint: 'Whole minutes: 1m to 1d.' })}
        </>
      ) : (
        <TextField
          label="Objective (%)"
          value={form.objective}
          onValue={set('objective')}
          hint="Availability, e.g. 99.9."
          error={problems.objective}
          inputMode="decimal"
        />
      )}
      <TextField
        label="Min requests"
        value={form.min_requests}
        onValue={set('min_requests')}
        hint="Quiet below this many requests."
        error={problems.min_requests}
        inputMode="numeric"
      />
      {text('for', 'For', { placeholder: '1m', hint: 'How long it must hold, e.g. 90s.' })}
      <SelectField
        label="Severity"
        value={form.severity}
        onValue={set('severity')}
        options={SEVERITY_OPTIONS}
        error={problems.severity}
      />
      <SelectField
        label="Notify via"
        value={form.target_type}
        onValue={set('target_type')}
        options={TARGET_TYPES}
        error={problems.target_type}
      />
      <TextField
        label="Webhook URL (optional)"
        value={form.target_url}
        onValue={set('target_url')}
        hint="Shown afterwards as its host only."
        error={problems.target_url}
        type="url"
        autoComplete="off"
        spellCheck={false}
      />
      <TextField
        label="Signing secret (optional)"
        value={form.target_secret}
        onValue={set('target_secret')}
        hint="At least 16 characters; never shown again."
        error={problems.target_secret}
        type="password"
        autoComplete="off"
      />
      <div className="field field-actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          Create rule
        </button>
      </div>
      {formError ? (
        <p className="field-error form-error" role="alert">
          {formError}
        </p>
      ) : null}
      <p className="small form-status" aria-live="polite">
        {created ? `Rule “${created}” created.` : ''}
      </p>
    </form>
  );
}
