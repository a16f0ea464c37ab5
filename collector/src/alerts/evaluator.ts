/**
 * One evaluation pass over every enabled rule at a given instant (`nowMs` is a parameter so
 * tests evaluate at chosen times instead of waiting for the clock). Each state change is
 * stored with its history row, then notified once, in the background; `idle()` waits for
 * notifications in flight (tests, shutdown).
 */
import type { Logger } from 'pino';
import type { AlertQueries } from '../clickhouse/alert-queries.js';
import type { AlertsStore, Transition } from './alerts-store.js';
import { measure } from './measure.js';
import type { Notifier } from './notifier.js';
import { nextState } from './state-machine.js';

export interface EvaluatorDeps {
  store: AlertsStore;
  queries: AlertQueries;
  notifier: Notifier;
  log: Logger;
}

export interface RuleOutcome {
  rule_id: string;
  state: string;
  value?: number;
  requests?: number;
  change?: { from: string; to: string };
  error?: string;
}

export interface Evaluator {
  evaluate(nowMs?: number): Promise<RuleOutcome[]>;
  idle(): Promise<void>;
}

export function createEvaluator(deps: EvaluatorDeps): Evaluator {
  const inFlight = new Set<Promise<void>>();

  function dispatch(t: Transition, historyId: number): void {
    if (t.rule.targets.length === 0) return;
    const p = deps.notifier
      .notify(t, historyId)
      .then(async (results) => {
        for (const r of results.filter((x) => !x.ok))
          deps.log.warn(
            { rule_id: t.rule.id, url: r.url, error: r.error, attempts: r.attempts },
            'alert notification failed',
          );
        await deps.store.recordNotification(historyId, results);
      })
      .catch((err: Error) =>
        deps.log.warn({ err: err.message, rule_id: t.rule.id }, 'alert notification failed'),
      )
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }

  return {
    async evaluate(nowMs = Date.now()) {
      const [rules, states] = await Promise.all([deps.store.listRules(), deps.store.states()]);
      const outcomes: RuleOutcome[] = [];
      for (const rule of rules) {
        if (!rule.enabled) continue;
        const prev = states.get(rule.id);
        try {
          const m = await measure(rule, deps.queries, nowMs);
          const next = nextState(prev, m, rule.for_ms, nowMs);
          const transition: Transition | undefined = next.change
            ? {
                rule,
                from: next.change.from,
                to: next.change.to,
                value: m.value,
                threshold: m.threshold,
                requests: m.requests,
                details: m.details,
                at_ms: nowMs,
                firing_since_ms:
                  next.change.to === 'resolved'
                    ? (prev?.firing_since_ms ?? null)
                    : next.firing_since_ms,
              }
            : undefined;
          const historyId = await deps.store.saveState(
            {
              rule_id: rule.id,
              state: next.state,
              since_ms: next.since_ms,
              firing_since_ms: next.firing_since_ms,
              value: m.value,
              requests: m.requests,
              evaluated_at_ms: nowMs,
            },
            transition,
          );
          if (transition && historyId !== undefined) {
            deps.log.info(
              { rule_id: rule.id, from: transition.from, to: transition.to, value: m.value },
              'alert state changed',
            );
            if (transition.to === 'firing' || transition.to === 'resolved')
              dispatch(transition, historyId);
          }
          outcomes.push({
            rule_id: rule.id,
            state: next.state,
            value: m.value,
            requests: m.requests,
            ...(next.change ? { change: next.change } : {}),
          });
        } catch (err) {
          // ClickHouse or the store did not answer: keep the state, try again next tick.
          deps.log.warn(
            { err: (err as Error).message, rule_id: rule.id },
            'alert rule evaluation failed',
          );
          outcomes.push({
            rule_id: rule.id,
            state: prev?.state ?? 'ok',
            error: (err as Error).message,
          });
        }
      }
      return outcomes;
    },
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
