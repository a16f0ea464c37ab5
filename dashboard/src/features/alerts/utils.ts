import type { AlertRuleInput } from '../../api/analytics/createAlertRule.js';
import type { AlertMetric, AlertRule } from '../../api/analytics/getAlerts.js';
import type { AppError } from '../../api/errors.js';

/** One notification target as typed. */
export interface TargetForm {
  /**
   * Stable for the target's life in the form, unlike its position: the React key, and what its
   * problems are filed under, so removing a target leaves the others' fields and errors in place.
   */
  key: number;
  type: 'webhook' | 'slack';
  url: string;
  secret: string;
}

/** The collector's limit (`targets: z.array(TargetSchema).max(5)`). */
export const MAX_TARGETS = 5;

export const emptyTarget = (key: number): TargetForm => ({
  key,
  type: 'webhook',
  url: '',
  secret: '',
});

/** The create-rule form as typed: numbers are text until submitted; rates are percentages. */
export interface RuleForm {
  name: string;
  kind: 'threshold' | 'burn_rate';
  route: string;
  customer_id: string;
  metric: AlertMetric;
  /** Percent for rate metrics, milliseconds for latency metrics. */
  threshold: string;
  window: string;
  min_requests: string;
  for: string;
  /** Availability objective in percent, e.g. 99.9. */
  objective: string;
  severity: 'critical' | 'warning' | 'info';
  targets: TargetForm[];
}

/** The form's fields that hold one value (everything but the target list). */
export type RuleField = Exclude<keyof RuleForm, 'targets'>;

export const EMPTY_RULE_FORM: RuleForm = {
  name: '',
  kind: 'threshold',
  route: '',
  customer_id: '',
  metric: 'error_rate_5xx',
  threshold: '5',
  window: '5m',
  min_requests: '20',
  for: '1m',
  objective: '99.9',
  severity: 'warning',
  targets: [emptyTarget(0)],
};

export const METRIC_LABELS: Record<AlertMetric, string> = {
  error_rate_5xx: '5xx error rate',
  rate_4xx: '4xx rate',
  rate_429: '429 rate',
  p95_ms: 'p95 latency',
  p99_ms: 'p99 latency',
};

export const isLatency = (m: AlertMetric | null) => m === 'p95_ms' || m === 'p99_ms';

/** Form → API body, or the first problem (checked here so the form can say which field). */
export function buildRuleInput(
  f: RuleForm,
): { input: AlertRuleInput } | { error: string; field: RuleField } {
  const name = f.name.trim();
  if (!name) return { error: 'Give the rule a name.', field: 'name' };
  const minRequests = Number(f.min_requests);
  if (!Number.isInteger(minRequests) || minRequests < 1)
    return {
      error: 'Minimum requests must be a whole number of at least 1.',
      field: 'min_requests',
    };
  const input: AlertRuleInput = {
    name,
    kind: f.kind,
    route: f.route.trim() || null,
    customer_id: f.customer_id.trim() || null,
    min_requests: minRequests,
    for: f.for.trim() || '0s',
    severity: f.severity,
  };
  if (f.kind === 'threshold') {
    const t = Number(f.threshold);
    if (f.threshold.trim() === '' || !Number.isFinite(t) || t < 0)
      return { error: 'The threshold must be a number of at least 0.', field: 'threshold' };
    if (!isLatency(f.metric) && t > 100)
      return { error: 'A rate threshold is a percentage (0–100).', field: 'threshold' };
    input.metric = f.metric;
    input.threshold = isLatency(f.metric) ? t : t / 100;
    input.window = f.window.trim() || '5m';
  } else {
    const o = Number(f.objective);
    if (!Number.isFinite(o) || o <= 50 || o >= 100)
      return {
        error: 'The objective is a percentage between 50 and 100, e.g. 99.9.',
        field: 'objective',
      };
    input.objective = Math.round(o * 1000) / 100_000;
  }
  const targets = sentTargets(f.targets).map((t) => ({
    type: t.type,
    url: t.url.trim(),
    ...(t.secret ? { secret: t.secret } : {}),
  }));
  if (targets.length > 0) input.targets = targets;
  return { input };
}

/**
 * The targets a submit sends, in form order: those with a URL. A blank URL means "no target",
 * as it did when the form had a single target, so an untouched form still sends none.
 */
export function sentTargets(targets: readonly TargetForm[]): TargetForm[] {
  return targets.filter((t) => t.url.trim() !== '');
}

export type TargetField = 'type' | 'url' | 'secret';
export type TargetProblems = Partial<Record<TargetField, string>>;

/** A message per form field, and per target by its key; absent ones have nothing to say. */
export type RuleProblems = Partial<Record<RuleField, string>> & {
  targets?: Record<number, TargetProblems>;
};

const TARGET_FIELDS: readonly TargetField[] = ['type', 'url', 'secret'];

type Place = { field: RuleField } | { target: number; field: TargetField };

/**
 * An API field path (`threshold`, `targets.1.url`) → where the form shows it. The API numbers
 * the targets it was sent, so `targets.1` is the second of `sent`, whatever blank targets the
 * form had between them. A whole target (`targets.1`, e.g. an unknown key) goes under its URL.
 */
function placeOf(path: string | undefined, sent: readonly TargetForm[]): Place | undefined {
  if (path === undefined) return undefined;
  const target = /^targets\.(\d+)(?:\.(\w+))?$/.exec(path);
  if (target) {
    const key = sent[Number(target[1])]?.key;
    const field = target[2] === undefined ? 'url' : TARGET_FIELDS.find((f) => f === target[2]);
    return key === undefined || field === undefined ? undefined : { target: key, field };
  }
  return path !== 'targets' && Object.hasOwn(EMPTY_RULE_FORM, path)
    ? { field: path as RuleField }
    : undefined;
}

/**
 * The collector's refusal → messages under the fields it names (422 `invalid_rule` details, or
 * the envelope's `field` as `webhook_target_refused` gives), and whatever names no form field
 * (a resolve threshold, burn windows…) as one form message. `submitted` is the form as sent:
 * the API's `targets.N` counts only the targets that had a URL.
 */
export function ruleProblemsFrom(
  err: AppError,
  submitted: RuleForm,
): { fields: RuleProblems; form: string | null } {
  const sent = sentTargets(submitted.targets);
  const fields: RuleProblems = {};
  const unplaced: string[] = [];
  // The first problem per field wins: it is the one the API found first.
  const place = (path: string | undefined, message: string): boolean => {
    const at = placeOf(path, sent);
    if (at === undefined) return false;
    if ('target' in at) {
      const targets = fields.targets ?? {};
      targets[at.target] = { [at.field]: message, ...targets[at.target] };
      fields.targets = targets;
    } else {
      fields[at.field] ??= message;
    }
    return true;
  };
  for (const p of err.problems) {
    if (!place(p.field, p.message)) unplaced.push(`${p.field || 'body'}: ${p.message}`);
  }
  if (err.problems.length === 0 && !place(err.field, err.message)) unplaced.push(err.message);
  return { fields, form: unplaced.length > 0 ? unplaced.join(' ') : null };
}

/** A measured value as people read it: percent for rates, ms for latency, × for burn rates. */
export function formatAlertValue(
  rule: Pick<AlertRule, 'kind' | 'metric'> | undefined,
  value: number | null | undefined,
): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  if (!rule) return String(Math.round(value * 1000) / 1000);
  if (rule.kind === 'burn_rate') return `${Math.round(value * 10) / 10}×`;
  if (isLatency(rule.metric)) return `${Math.round(value)} ms`;
  return `${Math.round(value * 10_000) / 100}%`;
}

/** One line: what is watched, where, and the bar. */
export function describeRule(r: AlertRule): string {
  const where = [r.route, r.customer_id ? `customer ${r.customer_id}` : null]
    .filter(Boolean)
    .join(' · ');
  const scope = where || 'all traffic';
  if (r.kind === 'burn_rate') {
    const windows = (r.burn_windows ?? []).map((w) => `${w.factor}× over ${w.long}/${w.short}`);
    return `SLO ${Math.round((r.objective ?? 0) * 100_000) / 1000}% on ${scope}; burn ${windows.join(', ')}`;
  }
  const metric = r.metric ? METRIC_LABELS[r.metric] : 'metric';
  return `${metric} > ${formatAlertValue(r, r.threshold)} over ${r.window} on ${scope} (min ${r.min_requests} requests, for ${r.for})`;
}
