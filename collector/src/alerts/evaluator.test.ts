/**
 * The evaluator with the real embedded store and a scripted metrics source: when ClickHouse
 * fails, states stay as they were (no false resolve, no history); each change is notified once.
 */
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AlertQueries, WindowStats } from '../clickhouse/alert-queries.js';
import { type AlertsDb, openAlertsDb } from './alerts-db.js';
import { type AlertsStore, createAlertsStore } from './alerts-store.js';
import { createEvaluator } from './evaluator.js';
import { migrateAlerts } from './migrations.js';
import type { Notifier } from './notifier.js';
import { RuleInputSchema } from './rule-schema.js';

let db: AlertsDb;
let store: AlertsStore;

beforeAll(async () => {
  db = await openAlertsDb({ schema: 'collector_alerts' });
  await migrateAlerts(db);
  store = createAlertsStore(db);
}, 90_000);

afterAll(async () => {
  await db?.close();
});

it('keeps the firing state through a ClickHouse outage and notifies each change once', async () => {
  let next: WindowStats | Error = new Error('unused');
  const queries: AlertQueries = {
    async windowStats() {
      if (next instanceof Error) throw next;
      return next;
    },
  };
  const sent: string[] = [];
  const notifier: Pick<Notifier, 'render'> = {
    render(_target, t, id) {
      sent.push(`${t.rule.name}:${t.to}`);
      return JSON.stringify({ id });
    },
  };
  let kicks = 0;
  const delivery = {
    kick() {
      kicks += 1;
    },
    idle: async () => {},
  };
  const evaluator = createEvaluator({
    store,
    queries,
    notifier,
    delivery,
    log: pino({ level: 'silent' }),
  });
  const rule = await store.createRule(
    RuleInputSchema.parse({
      name: 'r',
      metric: 'rate_429',
      threshold: 0.2,
      targets: [{ url: 'https://hooks.example.com/x' }],
    }),
  );
  const stats = (requests: number, s429: number): WindowStats => ({
    requests,
    errors_5xx: 0,
    status_4xx: s429,
    status_429: s429,
    p95_ms: 0,
    p99_ms: 0,
  });

  next = stats(100, 50);
  expect(await evaluator.evaluate(1_000)).toEqual([
    expect.objectContaining({ rule_id: rule.id, state: 'firing', value: 0.5 }),
  ]);
  next = new Error('ClickHouse is down');
  const failed = await evaluator.evaluate(16_000);
  expect(failed).toEqual([{ rule_id: rule.id, state: 'firing', error: 'ClickHouse is down' }]);
  next = stats(100, 40);
  expect((await evaluator.evaluate(31_000))[0]).toMatchObject({ state: 'firing' });
  expect((await evaluator.evaluate(46_000))[0]?.change).toBeUndefined();
  next = stats(100, 1);
  expect((await evaluator.evaluate(61_000))[0]).toMatchObject({
    state: 'ok',
    change: { from: 'firing', to: 'resolved' },
  });
  await evaluator.idle();
  expect(sent).toEqual(['r:firing', 'r:resolved']);
  expect(kicks).toBe(2);
  const history = await store.history({ ruleId: rule.id, limit: 10 });
  expect(history.map((h) => h.to_state)).toEqual(['resolved', 'firing']);
  // Each change left one notification for its one target in the outbox, with its own key.
  expect(history.map((h) => h.deliveries.map((d) => d.state))).toEqual([['pending'], ['pending']]);
  const ids = history.map((h) => h.deliveries[0]!.notification_id);
  expect(new Set(ids).size).toBe(2);
  expect(history[1]).toMatchObject({ value: 0.5, requests: 100, threshold: 0.2 });
});
