import type { AlertRuleInput } from '../../api/analytics/createAlertRule.js';
import type { AlertMetric, AlertRule } from '../../api/analytics/getAlerts.js';
import type { AppError } from '../../api/errors.js';

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
  target_type: 'webhook' | 'slack';
  target_url: string;
  target_secret: string;
}

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
  target_type: 'webhook',
  target_url: '',
  target_secret: '',
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
): { input: AlertRuleInput } | { error: string; field: keyof RuleForm } {
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
  const url = f.target_url.trim();
  if (url) {
    input.targets = [
      {
        type: f.target_type,
        url,
        ...(f.target_secret ? { secret: f.target_secret } : {}),
      },
    ];
  }
  return { input };
}

/** A message per form field; absent fields have nothing to say. */
export type RuleProblems = Partial<Record<keyof RuleForm, string>>;

/** The form's single target stands for `targets.0`; the API names its parts by path. */
const TARGET_FIELDS: Record<string, keyof RuleForm> = {
  url: 'target_url',
  secret: 'target_secret',
  type: 'target_type',
};

/** An API field path (`threshold`, `targets.0.url`, `targets`) → the form field showing it. */
function formFieldOf(path: string | undefined): keyof RuleForm | undefined {
  if (path === undefined) return undefined;
  if (path === 'targets' || /^targets\.\d+$/.test(path)) return 'target_url';
  const target = /^targets\.\d+\.(\w+)$/.exec(path);
  if (target) return TARGET_FIELDS[target[1]!];
  return Object.hasOwn(EMPTY_RULE_FORM, path) && !path.startsWith('target_')
    ? (path as keyof RuleForm)
    : undefined;
}

/**
 * The collector's refusal → messages under the fields it names (422 `invalid_rule` details, or
 * the envelope's `field` as `webhook_target_refused` gives), and whatever names no form field
 * (a resolve threshold, burn windows…) as one form message.
 */
export function ruleProblemsFrom(err: AppError): { fields: RuleProblems; form: string | null } {
  const fields: RuleProblems = {};
  const unplaced: string[] = [];
  for (const p of err.problems) {
    const f = formFieldOf(p.field);
    if (f === undefined) unplaced.push(`${p.field || 'body'}: ${p.message}`);
    else fields[f] ??= p.message;
  }
  if (err.problems.length === 0) {
    const f = formFieldOf(err.field);
    if (f !== undefined) fields[f] = err.message;
    else unplaced.push(err.message);
  }
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
