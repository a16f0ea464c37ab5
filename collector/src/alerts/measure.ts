/**
 * Turns a rule and the rollups into a measured value and the two conditions the state machine
 * needs. Threshold rules compare one metric over one window; burn-rate rules follow the Google
 * SRE workbook's multiwindow, multi-burn-rate alerts: a pair (long, short, factor) breaches
 * when the error budget burns faster than `factor` over both windows; the short window lets
 * the alert stop soon after the burn stops.
 */
import type { AlertQueries, WindowStats } from '../clickhouse/alert-queries.js';
import {
  type AlertRule,
  BURN_RESOLVE_RATIO,
  type Metric,
  resolveThresholdOf,
} from './rule-schema.js';
import type { Condition } from './state-machine.js';

export interface Measurement extends Condition {
  value: number;
  threshold: number;
  requests: number;
  details: Record<string, unknown>;
}

export function metricValue(metric: Metric, s: WindowStats): number {
  const rate = (n: number) => (s.requests === 0 ? 0 : n / s.requests);
  switch (metric) {
    case 'error_rate_5xx':
      return rate(s.errors_5xx);
    case 'rate_4xx':
      return rate(s.status_4xx);
    case 'rate_429':
      return rate(s.status_429);
    case 'p95_ms':
      return s.p95_ms;
    case 'p99_ms':
      return s.p99_ms;
  }
}

interface PairMeasurement {
  long_ms: number;
  short_ms: number;
  factor: number;
  long_requests: number;
  long_errors: number;
  long_burn: number;
  short_requests: number;
  short_errors: number;
  short_burn: number;
  breach: boolean;
  recovered: boolean;
}

export async function measure(
  rule: AlertRule,
  queries: AlertQueries,
  nowMs: number,
): Promise<Measurement> {
  const scope = { route: rule.route, customer_id: rule.customer_id };
  if (rule.kind === 'threshold') {
    const metric = rule.metric!;
    const threshold = rule.threshold!;
    const latency = metric === 'p95_ms' || metric === 'p99_ms';
    const s = await queries.windowStats(scope, nowMs, rule.window_ms, latency);
    const value = metricValue(metric, s);
    const enough = s.requests >= rule.min_requests;
    return {
      value,
      threshold,
      requests: s.requests,
      breach: enough && value > threshold,
      recovered: !enough || value <= resolveThresholdOf(rule),
      details: {
        metric,
        window_ms: rule.window_ms,
        ...s,
        resolve_threshold: resolveThresholdOf(rule),
      },
    };
  }

  const budget = 1 - rule.objective!;
  const pairs: PairMeasurement[] = [];
  for (const w of rule.burn_windows ?? []) {
    const long = await queries.windowStats(scope, nowMs, w.long_ms, false);
    const short = await queries.windowStats(scope, nowMs, w.short_ms, false);
    const burn = (s: WindowStats) => (s.requests === 0 ? 0 : s.errors_5xx / s.requests / budget);
    const enough = long.requests >= rule.min_requests && short.requests > 0;
    pairs.push({
      long_ms: w.long_ms,
      short_ms: w.short_ms,
      factor: w.factor,
      long_requests: long.requests,
      long_errors: long.errors_5xx,
      long_burn: round(burn(long)),
      short_requests: short.requests,
      short_errors: short.errors_5xx,
      short_burn: round(burn(short)),
      breach: enough && burn(long) > w.factor && burn(short) > w.factor,
      recovered: !enough || burn(short) <= w.factor * BURN_RESOLVE_RATIO,
    });
  }
  // The pair that decides: the first breaching one, else the one closest to breaching.
  const score = (p: PairMeasurement) => Math.min(p.long_burn, p.short_burn) / p.factor;
  const lead =
    pairs.find((p) => p.breach) ?? [...pairs].sort((a, b) => score(b) - score(a))[0] ?? undefined;
  return {
    value: lead ? Math.min(lead.long_burn, lead.short_burn) : 0,
    threshold: lead?.factor ?? 0,
    requests: lead?.long_requests ?? 0,
    breach: pairs.some((p) => p.breach),
    recovered: pairs.every((p) => p.recovered),
    details: { objective: rule.objective, error_budget: round(budget), windows: pairs },
  };
}

const round = (v: number) => Math.round(v * 1e6) / 1e6;
