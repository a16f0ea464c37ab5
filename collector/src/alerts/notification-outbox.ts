/**
 * The notification outbox in PostgreSQL/PGlite. The evaluator writes a state change, its
 * history row and one outbox row per target in one transaction (alerts-store.ts), so a change
 * that was saved is a notification that will be sent, whichever collector sends it.
 *
 * Claims are atomic (`FOR UPDATE SKIP LOCKED`) and time-boxed (`locked_until`): a collector
 * that dies mid-send leaves a claim that expires, and the next leader sends again (receivers
 * get each notification at least once and drop repeats by `notification_id`). Each claim adds
 * one to `attempts`, which is also the fencing token: a result is recorded only by the claim
 * that is still current. Per rule and URL notifications go out in order: a row waits while an
 * earlier one for the same receiver is still pending, so a `resolved` never overtakes its
 * `firing`.
 */
import { randomBytes } from 'node:crypto';
import type { AlertsDb } from './alerts-db.js';
import type { AttemptResult, OutgoingNotification } from './notifier.js';
import { formatDuration } from './rule-schema.js';

export type DeliveryState = 'pending' | 'delivered' | 'failed';

/** An outbox row as the evaluator creates it (inside the state change's transaction). */
export interface NewNotification {
  notification_id: string;
  target_type: OutgoingNotification['target_type'];
  url: string;
  secret: string | null;
  body: string;
}

/** A row claimed for one attempt; `attempts` counts this one and fences its result. */
export interface ClaimedNotification extends OutgoingNotification {
  id: number;
  rule_id: string;
  attempts: number;
  created_at_ms: number;
}

/** What the history API shows about one target's notification (never the secret or body). */
export interface DeliveryView {
  notification_id: string;
  type: OutgoingNotification['target_type'];
  url: string;
  state: DeliveryState;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  created_at: string;
  last_attempt_at: string | null;
  next_attempt_at: string | null;
  finished_at: string | null;
}

export interface GaveUp {
  id: number;
  notification_id: string;
  rule_id: string;
  url: string;
  attempts: number;
  last_error: string;
}

export interface NotificationOutbox {
  /** Claims up to `limit` due rows for `leaseMs`; each claim counts as an attempt. */
  claimDue(limit: number, leaseMs: number): Promise<ClaimedNotification[]>;
  delivered(n: ClaimedNotification, status: number | undefined): Promise<boolean>;
  retryLater(n: ClaimedNotification, delayMs: number, r: AttemptResult): Promise<boolean>;
  failed(n: ClaimedNotification, r: AttemptResult): Promise<boolean>;
  /**
   * Marks failed the unclaimed rows that used up their attempts (a collector died during the
   * last one) or are older than `maxAgeMs`.
   */
  giveUpStale(maxAttempts: number, maxAgeMs: number): Promise<GaveUp[]>;
  /** Milliseconds until the next row becomes claimable; undefined when nothing is pending. */
  nextDueInMs(): Promise<number | undefined>;
  pendingCount(): Promise<number>;
  forHistory(historyIds: number[]): Promise<Map<number, DeliveryView[]>>;
}

export function newNotificationId(): string {
  return `ntf_${randomBytes(12).toString('hex')}`;
}

/** Inserts the outbox rows of one history entry with the transaction's query function. */
export async function insertNotifications(
  q: AlertsDb['query'],
  historyId: number,
  ruleId: string,
  list: NewNotification[],
): Promise<void> {
  for (const n of list)
    await q(
      `INSERT INTO alert_notifications (notification_id, history_id, rule_id, target_type, url,
         secret, body)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [n.notification_id, historyId, ruleId, n.target_type, n.url, n.secret, n.body],
    );
}

/** A pending row that waits for an earlier pending row to the same receiver. */
const BLOCKED = `EXISTS (SELECT 1 FROM alert_notifications e
  WHERE e.state = 'pending' AND e.rule_id = c.rule_id AND e.url = c.url AND e.id < c.id)`;

const UNCLAIMED = '(c.locked_until IS NULL OR c.locked_until <= now())';

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export function createNotificationOutbox(db: AlertsDb): NotificationOutbox {
  /** Applies a result only while the claim that produced it is still the current one. */
  async function finish(n: ClaimedNotification, set: string, params: unknown[]) {
    const rows = await db.query(
      `UPDATE alert_notifications SET ${set}, locked_until = NULL
       WHERE id = $1 AND attempts = $2 AND state = 'pending' RETURNING id`,
      [n.id, n.attempts, ...params],
    );
    return rows.length > 0;
  }

  return {
    async claimDue(limit, leaseMs) {
      const rows = await db.query<{
        id: number;
        notification_id: string;
        history_id: number;
        rule_id: string;
        target_type: ClaimedNotification['target_type'];
        url: string;
        secret: string | null;
        body: string;
        attempts: number;
        created_at: Date;
      }>(
        `UPDATE alert_notifications AS n
            SET attempts = n.attempts + 1, last_attempt_at = now(),
                locked_until = now() + $2::double precision * interval '1 millisecond'
          WHERE n.state = 'pending' AND n.id IN (
            SELECT c.id FROM alert_notifications c
             WHERE c.state = 'pending' AND c.next_attempt_at <= now() AND ${UNCLAIMED}
               AND NOT ${BLOCKED}
             ORDER BY c.id LIMIT $1
             FOR UPDATE SKIP LOCKED)
          RETURNING n.id, n.notification_id, n.history_id, n.rule_id, n.target_type, n.url,
            n.secret, n.body, n.attempts, n.created_at`,
        [limit, leaseMs],
      );
      return rows
        .map((r) => ({
          id: Number(r.id),
          notification_id: r.notification_id,
          history_id: Number(r.history_id),
          rule_id: r.rule_id,
          target_type: r.target_type,
          url: r.url,
          secret: r.secret,
          body: r.body,
          attempts: Number(r.attempts),
          created_at_ms: new Date(r.created_at).getTime(),
        }))
        .sort((a, b) => a.id - b.id);
    },
    delivered(n, status) {
      // The secret is only needed to sign: it does not outlive the notification.
      return finish(
        n,
        `state = 'delivered', finished_at = now(), last_status = $3, last_error = NULL,
         secret = NULL`,
        [status ?? null],
      );
    },
    retryLater(n, delayMs, r) {
      return finish(
        n,
        `next_attempt_at = now() + $3::double precision * interval '1 millisecond', last_status = $4,
         last_error = $5`,
        [Math.max(0, Math.round(delayMs)), r.status ?? null, r.error ?? null],
      );
    },
    failed(n, r) {
      return finish(
        n,
        `state = 'failed', finished_at = now(), last_status = $3, last_error = $4, secret = NULL`,
        [r.status ?? null, r.error ?? null],
      );
    },
    async giveUpStale(maxAttempts, maxAgeMs) {
      const rows = await db.query<GaveUp>(
        `UPDATE alert_notifications AS c
            SET state = 'failed', finished_at = now(), locked_until = NULL, secret = NULL,
                last_error = CASE
                  WHEN c.attempts >= $1::integer THEN 'gave up after ' || c.attempts || ' attempts (the last '
                    || 'one did not report back)' || COALESCE(': ' || c.last_error, '')
                  ELSE 'gave up: not delivered within ' || $3::text
                    || COALESCE(': ' || c.last_error, '')
                END
          WHERE c.state = 'pending' AND ${UNCLAIMED}
            AND (c.attempts >= $1 OR c.created_at <= now() - $2::bigint * interval '1 millisecond')
          RETURNING c.id, c.notification_id, c.rule_id, c.url, c.attempts, c.last_error`,
        [maxAttempts, maxAgeMs, maxAgeMs < 1000 ? `${maxAgeMs} ms` : formatDuration(maxAgeMs)],
      );
      return rows.map((r) => ({ ...r, id: Number(r.id), attempts: Number(r.attempts) }));
    },
    async nextDueInMs() {
      const [row] = await db.query<{ wait_ms: number | null }>(
        `SELECT EXTRACT(EPOCH FROM (MIN(GREATEST(c.next_attempt_at,
                  COALESCE(c.locked_until, c.next_attempt_at))) - now())) * 1000 AS wait_ms
           FROM alert_notifications c
          WHERE c.state = 'pending' AND NOT ${BLOCKED}`,
      );
      const wait = row?.wait_ms;
      return wait === null || wait === undefined ? undefined : Math.max(0, Number(wait));
    },
    async pendingCount() {
      const [row] = await db.query<{ n: number }>(
        `SELECT count(*) AS n FROM alert_notifications WHERE state = 'pending'`,
      );
      return Number(row?.n ?? 0);
    },
    async forHistory(historyIds) {
      const out = new Map<number, DeliveryView[]>();
      if (historyIds.length === 0) return out;
      const rows = await db.query<{
        history_id: number;
        notification_id: string;
        target_type: DeliveryView['type'];
        url: string;
        state: DeliveryState;
        attempts: number;
        last_status: number | null;
        last_error: string | null;
        created_at: Date;
        last_attempt_at: Date | null;
        next_attempt_at: Date;
        finished_at: Date | null;
      }>(
        `SELECT history_id, notification_id, target_type, url, state, attempts, last_status,
                last_error, created_at, last_attempt_at, next_attempt_at, finished_at
           FROM alert_notifications WHERE history_id = ANY($1::bigint[]) ORDER BY id`,
        [historyIds],
      );
      for (const r of rows) {
        const list = out.get(Number(r.history_id)) ?? [];
        list.push({
          notification_id: r.notification_id,
          type: r.target_type,
          url: r.url,
          state: r.state,
          attempts: Number(r.attempts),
          last_status: r.last_status === null ? null : Number(r.last_status),
          last_error: r.last_error,
          created_at: iso(r.created_at)!,
          last_attempt_at: iso(r.last_attempt_at),
          next_attempt_at: r.state === 'pending' ? iso(r.next_attempt_at) : null,
          finished_at: iso(r.finished_at),
        });
        out.set(Number(r.history_id), list);
      }
      return out;
    },
  };
}
