/**
 * What an alert rule is, validated in one place: the API's request bodies, PATCH merges and
 * the OpenAPI document all go through these schemas. Cross-field rules (a threshold rule needs
 * a metric and a threshold, a resolve threshold sits below its threshold, …) live here too, so
 * the evaluator trusts what it reads back from the store.
 */
import { z } from 'zod';
import { displayTargetUrl } from './target-url.js';

export const METRICS = ['error_rate_5xx', 'rate_4xx', 'rate_429', 'p95_ms', 'p99_ms'] as const;
export type Metric = (typeof METRICS)[number];
export const RATE_METRICS: readonly Metric[] = ['error_rate_5xx', 'rate_4xx', 'rate_429'];
export const SEVERITIES = ['critical', 'warning', 'info'] as const;
export const ALERT_STATES = ['ok', 'pending', 'firing'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `90s`, `5m`, `1h`, `30d` → milliseconds; undefined when malformed. */
export function parseDuration(s: string): number | undefined {
  const m = /^(\d{1,6})(s|m|h|d)$/.exec(s);
  if (!m) return undefined;
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

/** Milliseconds → the shortest exact duration string (`300000` → `5m`). */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', UNIT_MS.d],
    ['h', UNIT_MS.h],
    ['m', UNIT_MS.m],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${Math.round(ms / 1000)}s`;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

/**
 * A duration string within [min, max]. `wholeMinutes` keeps rule windows to the lengths the API
 * has always accepted; the window query itself (alert-queries.ts) would take any length.
 */
function duration(min: number, max: number, wholeMinutes: boolean) {
  return z.string().superRefine((s, ctx) => {
    const ms = parseDuration(s);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: 'must be a duration such as 30s, 5m, 1h' });
    } else if (ms < min || ms > max) {
      ctx.addIssue({
        code: 'custom',
        message: `must be between ${formatDuration(min)} and ${formatDuration(max)}`,
      });
    } else if (wholeMinutes && ms % MINUTE !== 0) {
      ctx.addIssue({ code: 'custom', message: 'must be whole minutes (rollups are per minute)' });
    }
  });
}

const WindowDuration = duration(MINUTE, DAY, true);

export const TargetSchema = z
  .object({
    type: z
      .enum(['webhook', 'slack'])
      .default('webhook')
      .describe('`webhook`: Alertmanager-compatible JSON; `slack`: incoming-webhook payload.'),
    url: z
      .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
      .max(2048)
      .describe('Refused when it resolves to a loopback/private address (see README).'),
    secret: z
      .string()
      .min(16)
      .max(256)
      .optional()
      .describe('HMAC-SHA256 key for the X-Gatehouse-Signature header; write-only.'),
  })
  .strict();
export type Target = z.infer<typeof TargetSchema>;

export const BurnWindowSchema = z
  .object({
    long: WindowDuration,
    short: WindowDuration,
    factor: z.number().positive().max(1000),
  })
  .strict();

/** The multiwindow, multi-burn-rate pairs of the Google SRE workbook (page-worthy ones). */
export const DEFAULT_BURN_WINDOWS = [
  { long: '1h', short: '5m', factor: 14.4 },
  { long: '6h', short: '30m', factor: 6 },
];

const text = (max: number) => z.string().min(1).max(max);

const RuleFields = z
  .object({
    name: text(200),
    kind: z.enum(['threshold', 'burn_rate']).default('threshold'),
    route: text(512).nullable().default(null).describe('Route template; null = every route.'),
    customer_id: text(128).nullable().default(null).describe('null = every customer.'),
    metric: z
      .enum(METRICS)
      .nullable()
      .default(null)
      .describe('Threshold rules: rates are 0..1, latencies in ms.'),
    threshold: z.number().min(0).nullable().default(null),
    resolve_threshold: z
      .number()
      .min(0)
      .nullable()
      .default(null)
      .describe('Resolve only at or below this value; default threshold × 0.9 (hysteresis).'),
    window: WindowDuration.default('5m'),
    min_requests: z
      .number()
      .int()
      .min(1)
      .max(1_000_000_000)
      .default(20)
      .describe('No alert unless the window has at least this many requests.'),
    for: duration(0, DAY, false)
      .default('0s')
      .describe('How long the condition must hold before firing.'),
    objective: z
      .number()
      .gt(0.5)
      .lt(1)
      .nullable()
      .default(null)
      .describe('Burn-rate rules: availability objective, e.g. 0.999.'),
    slo_period: duration(DAY, 90 * DAY, false).default('30d'),
    burn_windows: z.array(BurnWindowSchema).min(1).max(4).nullable().default(null),
    severity: z.enum(SEVERITIES).default('warning'),
    targets: z.array(TargetSchema).max(5).default([]),
    enabled: z.boolean().default(true),
  })
  .strict();

function crossFieldRules(r: z.infer<typeof RuleFields>, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string) =>
    ctx.addIssue({ code: 'custom', path: [path], message });
  if (r.kind === 'threshold') {
    if (r.metric === null) issue('metric', 'a threshold rule needs a metric');
    if (r.threshold === null) issue('threshold', 'a threshold rule needs a threshold');
    if (r.metric !== null && r.threshold !== null && RATE_METRICS.includes(r.metric)) {
      if (r.threshold > 1) issue('threshold', 'rates are fractions between 0 and 1');
    }
    if (r.threshold !== null && r.resolve_threshold !== null && r.resolve_threshold > r.threshold)
      issue('resolve_threshold', 'must not be above threshold');
  } else {
    if (r.objective === null) issue('objective', 'a burn-rate rule needs an objective');
    for (const [i, w] of (r.burn_windows ?? []).entries()) {
      if ((parseDuration(w.short) ?? 0) >= (parseDuration(w.long) ?? 0))
        ctx.addIssue({
          code: 'custom',
          path: ['burn_windows', i, 'short'],
          message: 'the short window must be shorter than the long one',
        });
    }
  }
}

export const RuleInputSchema = RuleFields.superRefine(crossFieldRules);
export type RuleInput = z.input<typeof RuleInputSchema>;
export type RuleSpec = z.output<typeof RuleInputSchema>;

/** PATCH: any subset of the fields; merged over the stored rule, then validated whole. */
export const RulePatchSchema = RuleFields.partial().strict();

/** A stored rule with normalised, evaluator-ready numbers. */
export interface AlertRule {
  id: string;
  name: string;
  kind: 'threshold' | 'burn_rate';
  route: string | null;
  customer_id: string | null;
  metric: Metric | null;
  threshold: number | null;
  resolve_threshold: number | null;
  window_ms: number;
  min_requests: number;
  for_ms: number;
  objective: number | null;
  slo_period_ms: number;
  burn_windows: { long_ms: number; short_ms: number; factor: number }[] | null;
  severity: (typeof SEVERITIES)[number];
  targets: Target[];
  enabled: boolean;
  created_at: string;
  updated_at: string;
}

/** The scope name shown to people: all / route / customer / route_customer. */
export function scopeOf(r: Pick<AlertRule, 'route' | 'customer_id'>): string {
  if (r.route !== null && r.customer_id !== null) return 'route_customer';
  if (r.route !== null) return 'route';
  if (r.customer_id !== null) return 'customer';
  return 'all';
}

/** A stored rule in the API's terms (durations as strings), the same in responses and PATCH merges. */
function specOf(r: AlertRule): Omit<RuleSpec, 'targets'> {
  return {
    name: r.name,
    kind: r.kind,
    route: r.route,
    customer_id: r.customer_id,
    metric: r.metric,
    threshold: r.threshold,
    resolve_threshold: r.resolve_threshold,
    window: formatDuration(r.window_ms),
    min_requests: r.min_requests,
    for: formatDuration(r.for_ms),
    objective: r.objective,
    slo_period: formatDuration(r.slo_period_ms),
    burn_windows:
      r.burn_windows?.map((w) => ({
        long: formatDuration(w.long_ms),
        short: formatDuration(w.short_ms),
        factor: w.factor,
      })) ?? null,
    severity: r.severity,
    enabled: r.enabled,
  };
}

/** The API's view of a rule: secrets never echoed, target URLs redacted. */
export function ruleView(r: AlertRule) {
  return {
    id: r.id,
    ...specOf(r),
    scope: scopeOf(r),
    effective_resolve_threshold: r.kind === 'threshold' ? resolveThresholdOf(r) : null,
    targets: r.targets.map((t) => ({
      type: t.type,
      url: displayTargetUrl(t.url),
      has_secret: t.secret !== undefined,
    })),
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}
export type RuleView = ReturnType<typeof ruleView>;

/** The input form of a stored rule (secrets kept), for PATCH merges. */
export function ruleToInput(r: AlertRule): RuleSpec {
  return { ...specOf(r), targets: r.targets };
}

/** Hysteresis: a firing threshold rule resolves only at or below this value. */
export function resolveThresholdOf(r: Pick<AlertRule, 'threshold' | 'resolve_threshold'>): number {
  return r.resolve_threshold ?? (r.threshold ?? 0) * 0.9;
}

/** Burn-rate rules resolve when every short window's burn is at or below factor × this. */
export const BURN_RESOLVE_RATIO = 0.9;

export { DAY as DAY_MS, MINUTE as MINUTE_MS };
