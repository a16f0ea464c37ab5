import type { NewPlan } from '../../api/admin/types.js';
import type { AppError } from '../../api/errors.js';
import { TextField } from '../../components/TextField.js';
import { useCreateForm } from '../../components/useCreateForm.js';
import {
  buildPlanInput,
  EMPTY_PLAN_FORM,
  type PlanField,
  type PlanForm,
  type PlanProblems,
  planProblemsFrom,
} from './utils.js';

const LIMITS: { field: PlanField; label: string; hint: string; required: boolean }[] = [
  {
    field: 'requests_per_minute',
    label: 'Requests per minute',
    hint: 'Sustained rate.',
    required: true,
  },
  { field: 'burst', label: 'Burst', hint: 'Requests allowed at once.', required: true },
  {
    field: 'requests_per_second',
    label: 'Requests per second (optional)',
    hint: 'A second, shorter limit.',
    required: false,
  },
  {
    field: 'daily_quota',
    label: 'Daily quota (optional)',
    hint: 'Requests per UTC day.',
    required: false,
  },
];

/**
 * Creates a plan through the admin API. Problems are shown under the fields they concern: the
 * form's own checks first, then the API's answer (422 details, 409 for a taken name).
 */
export function NewPlanForm({
  busy,
  onCreate,
}: {
  busy: boolean;
  onCreate(input: NewPlan): Promise<AppError | null>;
}) {
  const { form, set, problems, formError, created, onSubmit } = useCreateForm<
    PlanForm,
    NewPlan,
    PlanProblems
  >({ empty: EMPTY_PLAN_FORM, build: buildPlanInput, create: onCreate, place: planProblemsFrom });

  return (
    <form className="inline-form plan-form" aria-label="New plan" noValidate onSubmit={onSubmit}>
      <TextField
        label="Plan name"
        value={form.name}
        onValue={set('name')}
        hint="Lower-case letters, digits, - and _."
        error={problems.name}
        autoComplete="off"
        spellCheck={false}
        required
      />
      {LIMITS.map((l) => (
        <TextField
          key={l.field}
          label={l.label}
          value={form[l.field]}
          onValue={set(l.field)}
          hint={l.hint}
          error={problems[l.field]}
          inputMode="numeric"
          required={l.required}
        />
      ))}
      <div className="field field-actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          Create plan
        </button>
      </div>
      {formError ? (
        <p className="field-error form-error" role="alert">
          {formError}
        </p>
      ) : null}
      <p className="small form-status" aria-live="polite">
        {created ? `Plan “${created}” created. Move customers to it with “Change plan”.` : ''}
      </p>
    </form>
  );
}
