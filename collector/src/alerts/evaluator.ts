/**
 * One evaluation pass over every enabled rule at a given instant (`nowMs` is a parameter so
 * tests evaluate at chosen times instead of waiting for the clock). Each state change is
 * stored with its history row and, for firing and resolved, one outbox row per target, in one
 * transaction; the delivery loop sends them. `idle()` waits until nothing is left to send
 * (tests, shutdown).
 */
import type { Logger } from 'pino';
import type { AlertQueries } from '../clickhouse/alert-queries.js';
import type { AlertsStore, Transition } from './alerts-store.js';
import { measure } from './measure.js';
import type { DeliveryLoop } from './delivery-loop.js';
import { type NewNotification, newNotificationId } from './notification-outbox.js';
import type { Notifier } from './notifier.js';
import { nextState } from './state-machine.js';

export interface EvaluatorDeps {
  store: AlertsStore;
  queries: AlertQueries;
  /** Renders bodies when a change is saved (sending is the delivery loop's). */
  notifier: Pick<Notifier, 'render'>;
  delivery: Pick<DeliveryLoop, 'kick' | 'idle'>;
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
          const notifications: NewNotification[] =
            transition && (transition.to === 'firing' || transition.to === 'resolved')
              ? rule.targets.map((target) => {
                  const id = newNotificationId();
                  return {
                    notification_id: id,
                    target_type: target.type,
                    url: target.url,
                    secret: target.secret ?? null,
                    body: deps.notifier.render(target, transition, id),
                  };
                })
              : [];
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
            notifications,
          );
          if (transition && historyId !== undefined) {
            deps.log.info(
              { rule_id: rule.id, from: transition.from, to: transition.to, value: m.value },
              'alert state changed',
            );
            if (notifications.length > 0) deps.delivery.kick();
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
    idle: () => deps.delivery.idle(),
  };
}
