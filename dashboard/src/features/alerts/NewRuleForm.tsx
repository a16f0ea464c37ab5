import type { AlertRuleInput } from '../../api/analytics/createAlertRule.js';
import { ALERT_METRICS, type AlertMetric } from '../../api/analytics/getAlerts.js';
import type { AppError } from '../../api/errors.js';
import { SelectField } from '../../components/SelectField.js';
import { TextField } from '../../components/TextField.js';
import { useCreateForm } from '../../components/useCreateForm.js';
import { TargetList } from './TargetList.js';
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
 * `webhook_target_refused` on the URL), each target's under that target's own fields.
 */
export function NewRuleForm({
  busy,
  onCreate,
}: {
  busy: boolean;
  onCreate(input: AlertRuleInput): Promise<AppError | null>;
}) {
  const { form, set, update, problems, formError, created, onSubmit } = useCreateForm<
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
      <TargetList
        targets={form.targets}
        problems={problems.targets}
        onTargets={(change) => update((f) => ({ ...f, targets: change(f.targets) }))}
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
