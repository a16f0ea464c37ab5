/**
 * The alert store's schema, applied at start. Statements are idempotent (`IF NOT EXISTS`) and
 * run in one transaction holding a transaction-scoped advisory lock, so collectors starting
 * together do not race each other. History has no foreign key: it outlives deleted rules (and
 * so do notifications waiting to be sent for them).
 */
import type { AlertsDb } from './alerts-db.js';

const STATEMENTS = [
  `CREATE TABLE IF NOT EXISTS alert_rules (
    id text PRIMARY KEY,
    name text NOT NULL,
    kind text NOT NULL,
    route text,
    customer_id text,
    metric text,
    threshold double precision,
    resolve_threshold double precision,
    window_seconds integer NOT NULL,
    min_requests integer NOT NULL,
    for_seconds integer NOT NULL,
    objective double precision,
    slo_period_seconds integer NOT NULL,
    burn_windows jsonb,
    severity text NOT NULL,
    targets jsonb NOT NULL,
    enabled boolean NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE IF NOT EXISTS alert_states (
    rule_id text PRIMARY KEY REFERENCES alert_rules(id) ON DELETE CASCADE,
    state text NOT NULL,
    since timestamptz NOT NULL,
    firing_since timestamptz,
    value double precision NOT NULL,
    requests bigint NOT NULL,
    evaluated_at timestamptz NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS alert_history (
    id bigserial PRIMARY KEY,
    rule_id text NOT NULL,
    rule_name text NOT NULL,
    severity text NOT NULL,
    from_state text NOT NULL,
    to_state text NOT NULL,
    value double precision NOT NULL,
    threshold double precision NOT NULL,
    requests bigint NOT NULL,
    details jsonb NOT NULL,
    at timestamptz NOT NULL,
    notification jsonb
  )`,
  'CREATE INDEX IF NOT EXISTS alert_history_at ON alert_history (at DESC, id DESC)',
  'CREATE INDEX IF NOT EXISTS alert_history_rule ON alert_history (rule_id, at DESC)',
  // The outbox (added after the first release; IF NOT EXISTS upgrades a store that already has
  // rules and history): one row per notification, written in the transaction of the state
  // change that causes it, sent by the leader's delivery loop. `notification_id` is the
  // receivers' dedup key; `attempts` doubles as the fencing token of a claim.
  `CREATE TABLE IF NOT EXISTS alert_notifications (
    id bigserial PRIMARY KEY,
    notification_id text NOT NULL UNIQUE,
    history_id bigint NOT NULL REFERENCES alert_history(id) ON DELETE CASCADE,
    rule_id text NOT NULL,
    target_type text NOT NULL,
    url text NOT NULL,
    secret text,
    body text NOT NULL,
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    locked_until timestamptz,
    last_attempt_at timestamptz,
    last_status integer,
    last_error text,
    finished_at timestamptz
  )`,
  `CREATE INDEX IF NOT EXISTS alert_notifications_due ON alert_notifications (next_attempt_at, id)
    WHERE state = 'pending'`,
  'CREATE INDEX IF NOT EXISTS alert_notifications_history ON alert_notifications (history_id)',
];

export async function migrateAlerts(db: AlertsDb): Promise<void> {
  await db.transaction(async (q) => {
    await q('SELECT pg_advisory_xact_lock(hashtext($1))', [`${db.schema}.migrate`]);
    for (const sql of STATEMENTS) await q(sql);
  });
}
