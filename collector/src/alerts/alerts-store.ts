/**
 * Rules, current states and history in PostgreSQL/PGlite. A state change, its history row and
 * the notifications it causes (outbox rows) are written in one transaction, so history is
 * exactly the sequence of transitions and every saved change is sent (notification-outbox.ts).
 */
import { randomBytes } from 'node:crypto';
import type { AlertsDb } from './alerts-db.js';
import {
  createNotificationOutbox,
  type DeliveryView,
  insertNotifications,
  type NewNotification,
} from './notification-outbox.js';
import {
  type AlertRule,
  type AlertState,
  DEFAULT_BURN_WINDOWS,
  parseDuration,
  type RuleSpec,
} from './rule-schema.js';

export interface StoredState {
  rule_id: string;
  state: AlertState;
  /** When the current state began (pending: since when the condition holds). */
  since_ms: number;
  firing_since_ms: number | null;
  value: number;
  requests: number;
  evaluated_at_ms: number;
}

export interface Transition {
  rule: AlertRule;
  from: AlertState;
  /** `resolved` is recorded for firing → ok; `ok` for a pending condition that cleared. */
  to: AlertState | 'resolved';
  value: number;
  threshold: number;
  requests: number;
  details: Record<string, unknown>;
  at_ms: number;
  /** Start of the firing period (for resolved and firing records). */
  firing_since_ms: number | null;
}

export interface HistoryRow {
  id: number;
  rule_id: string;
  rule_name: string;
  severity: string;
  from_state: string;
  to_state: string;
  value: number;
  threshold: number;
  requests: number;
  details: Record<string, unknown>;
  at: string;
  /** Delivery results written by versions before the outbox (null for newer entries). */
  notification: unknown;
  /** The outbox rows of this entry, one per target, oldest first. */
  deliveries: DeliveryView[];
}

export interface AlertsStore {
  listRules(): Promise<AlertRule[]>;
  getRule(id: string): Promise<AlertRule | undefined>;
  createRule(spec: RuleSpec): Promise<AlertRule>;
  updateRule(id: string, spec: RuleSpec): Promise<AlertRule | undefined>;
  deleteRule(id: string): Promise<boolean>;
  states(): Promise<Map<string, StoredState>>;
  /**
   * Writes the new state; with a transition also its history row and the notifications it
   * causes (same transaction). Returns the history id, undefined when nothing was recorded.
   */
  saveState(
    state: StoredState,
    transition?: Transition,
    notifications?: NewNotification[],
  ): Promise<number | undefined>;
  history(opts: { ruleId?: string; limit: number; beforeId?: number }): Promise<HistoryRow[]>;
}

interface RuleRow {
  id: string;
  name: string;
  kind: AlertRule['kind'];
  route: string | null;
  customer_id: string | null;
  metric: AlertRule['metric'];
  threshold: number | null;
  resolve_threshold: number | null;
  window_seconds: number;
  min_requests: number;
  for_seconds: number;
  objective: number | null;
  slo_period_seconds: number;
  burn_windows: { long_ms: number; short_ms: number; factor: number }[] | null;
  severity: AlertRule['severity'];
  targets: AlertRule['targets'];
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
}

const iso = (d: Date | string) => new Date(d).toISOString();

function fromRow(r: RuleRow): AlertRule {
  const windows = r.burn_windows ?? null;
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    route: r.route,
    customer_id: r.customer_id,
    metric: r.metric,
    threshold: r.threshold === null ? null : Number(r.threshold),
    resolve_threshold: r.resolve_threshold === null ? null : Number(r.resolve_threshold),
    window_ms: r.window_seconds * 1000,
    min_requests: r.min_requests,
    for_ms: r.for_seconds * 1000,
    objective: r.objective === null ? null : Number(r.objective),
    slo_period_ms: r.slo_period_seconds * 1000,
    burn_windows: windows,
    severity: r.severity,
    targets: r.targets,
    enabled: r.enabled,
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
  };
}

function toParams(spec: RuleSpec): unknown[] {
  const ms = (s: string) => parseDuration(s) ?? 0;
  const windows =
    spec.kind === 'burn_rate'
      ? (spec.burn_windows ?? DEFAULT_BURN_WINDOWS).map((w) => ({
          long_ms: ms(w.long),
          short_ms: ms(w.short),
          factor: w.factor,
        }))
      : null;
  return [
    spec.name,
    spec.kind,
    spec.route,
    spec.customer_id,
    spec.kind === 'threshold' ? spec.metric : null,
    spec.kind === 'threshold' ? spec.threshold : null,
    spec.kind === 'threshold' ? spec.resolve_threshold : null,
    ms(spec.window) / 1000,
    spec.min_requests,
    Math.round(ms(spec.for) / 1000),
    spec.kind === 'burn_rate' ? spec.objective : null,
    ms(spec.slo_period) / 1000,
    windows === null ? null : JSON.stringify(windows),
    spec.severity,
    JSON.stringify(spec.targets),
    spec.enabled,
  ];
}

const COLUMNS = `name, kind, route, customer_id, metric, threshold, resolve_threshold, window_seconds,
  min_requests, for_seconds, objective, slo_period_seconds, burn_windows, severity, targets, enabled`;

export function createAlertsStore(db: AlertsDb): AlertsStore {
  const outbox = createNotificationOutbox(db);
  return {
    async listRules() {
      const rows = await db.query<RuleRow>('SELECT * FROM alert_rules ORDER BY created_at, id');
      return rows.map(fromRow);
    },
    async getRule(id) {
      const [row] = await db.query<RuleRow>('SELECT * FROM alert_rules WHERE id = $1', [id]);
      return row ? fromRow(row) : undefined;
    },
    async createRule(spec) {
      const id = `rule_${randomBytes(8).toString('hex')}`;
      const [row] = await db.query<RuleRow>(
        `INSERT INTO alert_rules (id, ${COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb, $15, $16::jsonb, $17)
         RETURNING *`,
        [id, ...toParams(spec)],
      );
      return fromRow(row!);
    },
    async updateRule(id, spec) {
      const [row] = await db.query<RuleRow>(
        `UPDATE alert_rules SET (${COLUMNS}, updated_at) =
           ($2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb, $15, $16::jsonb, $17, now())
         WHERE id = $1 RETURNING *`,
        [id, ...toParams(spec)],
      );
      return row ? fromRow(row) : undefined;
    },
    async deleteRule(id) {
      const rows = await db.query('DELETE FROM alert_rules WHERE id = $1 RETURNING id', [id]);
      return rows.length > 0;
    },
    async states() {
      const rows = await db.query<{
        rule_id: string;
        state: AlertState;
        since: Date;
        firing_since: Date | null;
        value: number;
        requests: number;
        evaluated_at: Date;
      }>('SELECT * FROM alert_states');
      return new Map(
        rows.map((r) => [
          r.rule_id,
          {
            rule_id: r.rule_id,
            state: r.state,
            since_ms: new Date(r.since).getTime(),
            firing_since_ms: r.firing_since ? new Date(r.firing_since).getTime() : null,
            value: Number(r.value),
            requests: Number(r.requests),
            evaluated_at_ms: new Date(r.evaluated_at).getTime(),
          },
        ]),
      );
    },
    async saveState(s, t, notifications = []) {
      return db.transaction(async (q) => {
        // A rule deleted while it was being evaluated: nothing to record.
        const exists = await q('SELECT 1 FROM alert_rules WHERE id = $1 FOR UPDATE', [s.rule_id]);
        if (exists.length === 0) return undefined;
        await q(
          `INSERT INTO alert_states (rule_id, state, since, firing_since, value, requests, evaluated_at)
           VALUES ($1, $2, to_timestamp($3 / 1000.0), to_timestamp($4 / 1000.0), $5, $6, to_timestamp($7 / 1000.0))
           ON CONFLICT (rule_id) DO UPDATE SET state = EXCLUDED.state, since = EXCLUDED.since,
             firing_since = EXCLUDED.firing_since, value = EXCLUDED.value,
             requests = EXCLUDED.requests, evaluated_at = EXCLUDED.evaluated_at`,
          [
            s.rule_id,
            s.state,
            s.since_ms,
            s.firing_since_ms,
            finite(s.value),
            s.requests,
            s.evaluated_at_ms,
          ],
        );
        if (!t) return undefined;
        const [row] = await q<{ id: number }>(
          `INSERT INTO alert_history (rule_id, rule_name, severity, from_state, to_state, value,
             threshold, requests, details, at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, to_timestamp($10 / 1000.0)) RETURNING id`,
          [
            t.rule.id,
            t.rule.name,
            t.rule.severity,
            t.from,
            t.to,
            finite(t.value),
            finite(t.threshold),
            t.requests,
            JSON.stringify(t.details),
            t.at_ms,
          ],
        );
        const historyId = Number(row!.id);
        await insertNotifications(q, historyId, t.rule.id, notifications);
        return historyId;
      });
    },
    async history({ ruleId, limit, beforeId }) {
      const cond: string[] = [];
      const params: unknown[] = [];
      if (ruleId !== undefined) {
        params.push(ruleId);
        cond.push(`rule_id = $${params.length}`);
      }
      if (beforeId !== undefined) {
        params.push(beforeId);
        cond.push(`id < $${params.length}`);
      }
      params.push(limit);
      const rows = await db.query<Omit<HistoryRow, 'at' | 'deliveries'> & { at: Date }>(
        `SELECT * FROM alert_history ${cond.length ? `WHERE ${cond.join(' AND ')}` : ''}
         ORDER BY id DESC LIMIT $${params.length}`,
        params,
      );
      const deliveries = await outbox.forHistory(rows.map((r) => Number(r.id)));
      return rows.map((r) => ({
        ...r,
        deliveries: deliveries.get(Number(r.id)) ?? [],
        id: Number(r.id),
        value: Number(r.value),
        threshold: Number(r.threshold),
        requests: Number(r.requests),
        at: iso(r.at),
      }));
    },
  };
}

/** PostgreSQL double precision takes Infinity but JSON does not; keep stored values finite. */
function finite(n: number): number {
  return Number.isFinite(n) ? n : 0;
}
