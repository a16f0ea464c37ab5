/**
 * Sends what the outbox holds, on the leader only. A pass gives up on stale rows, then claims
 * due rows in small batches and sends each once; a failed attempt worth retrying goes back with
 * `next_attempt_at` pushed out (exponential backoff with jitter), so retries live in the
 * database and survive this process. After a pass the loop sleeps until the next row is due.
 *
 * Passes start on `kick()` (the evaluator after saving a change, the runner on every tick, so a
 * new leader picks up what the old one left) and never overlap. `stop()` starts nothing new
 * and waits a bounded time for sends in flight; a claim abandoned then expires and the next
 * leader sends the notification again (at least once: receivers dedup by notification id).
 */
import { displayTargetUrl, scrubUrls } from './target-url.js';
import type { Counter, Gauge } from 'prom-client';
import type { Logger } from 'pino';
import type { ClaimedNotification, NotificationOutbox } from './notification-outbox.js';
import type { Notifier } from './notifier.js';

export interface DeliveryMetrics {
  /** Attempts by result: `delivered`, `retry` (will try again), `failed` (gave up). */
  notifications: Counter<'result'>;
  /** Notifications waiting in the outbox (set by the leader after each pass; 0 elsewhere). */
  pending: Gauge;
}

export interface DeliveryLoopOptions {
  outbox: NotificationOutbox;
  notifier: Pick<Notifier, 'send'>;
  isLeader: () => boolean;
  /** Attempts per notification before it is marked failed. */
  maxAttempts: number;
  /** First retry delay; doubles each attempt up to `maxBackoffMs` (default 5 min). */
  backoffMs: number;
  maxBackoffMs?: number;
  /** A notification not delivered this long after its state change is marked failed. */
  maxAgeMs: number;
  /** How long a claim holds before another collector may send the row again. */
  claimMs: number;
  batchSize?: number;
  log: Logger;
  metrics?: DeliveryMetrics | undefined;
}

export interface DeliveryLoop {
  /** Runs a pass soon (coalesced with one running). */
  kick(): void;
  /** Resolves when no pass runs and no retry is scheduled (tests, shutdown). */
  idle(): Promise<void>;
  /** Starts nothing new; waits up to `graceMs` for the pass in flight. */
  stop(graceMs: number): Promise<void>;
}

/** The shortest sleep between passes, so a row that stays due cannot spin the loop. */
const MIN_WAKE_MS = 20;

export function startDeliveryLoop(opts: DeliveryLoopOptions): DeliveryLoop {
  const { outbox, log } = opts;
  // Retries wait in the database, not in memory, so long gaps cost nothing: with enough
  // attempts a notification outlives a receiver outage of an hour.
  const maxBackoff = opts.maxBackoffMs ?? 300_000;
  const batchSize = opts.batchSize ?? 16;
  let stopped = false;
  let running: Promise<void> | undefined;
  let again = false;
  let wake: NodeJS.Timeout | undefined;
  let wakeWaiters: (() => void)[] = [];

  const release = () => {
    const waiters = wakeWaiters;
    wakeWaiters = [];
    for (const w of waiters) w();
  };

  function clearWake() {
    clearTimeout(wake);
    wake = undefined;
  }

  function kick() {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    clearWake();
    again = false;
    running = passes().finally(() => {
      running = undefined;
      if (again && !stopped) kick();
      release();
    });
  }

  async function passes() {
    for (;;) {
      again = false;
      try {
        await pass();
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'alert notification delivery pass failed');
      }
      if (stopped) return;
      if (again) continue;
      if (!opts.isLeader()) return;
      let wait: number | undefined;
      try {
        wait = await outbox.nextDueInMs();
      } catch {
        // The store did not answer: the next tick kicks again.
      }
      if (again && !stopped) continue;
      if (wait !== undefined && !stopped) {
        wake = setTimeout(
          () => {
            wake = undefined;
            kick();
            release();
          },
          Math.max(MIN_WAKE_MS, Math.ceil(wait)),
        );
        wake.unref();
      }
      return;
    }
  }

  async function pass() {
    if (!opts.isLeader()) {
      opts.metrics?.pending.set(0);
      return;
    }
    for (const g of await outbox.giveUpStale(opts.maxAttempts, opts.maxAgeMs)) {
      opts.metrics?.notifications.inc({ result: 'failed' });
      log.error(
        {
          rule_id: g.rule_id,
          notification_id: g.notification_id,
          url: displayTargetUrl(g.url),
          error: g.last_error === null ? null : scrubUrls(g.last_error),
        },
        'alert notification failed: gave up',
      );
    }
    while (!stopped && opts.isLeader()) {
      const batch = await outbox.claimDue(batchSize, opts.claimMs);
      if (batch.length === 0) break;
      const results = await Promise.allSettled(batch.map(deliverOne));
      const broken = results.find((r) => r.status === 'rejected');
      // The store failed while recording: stop here, the claims expire and are retried.
      if (broken) throw (broken as PromiseRejectedResult).reason;
    }
    opts.metrics?.pending.set(await outbox.pendingCount());
  }

  async function deliverOne(n: ClaimedNotification) {
    const r = await opts.notifier.send(n);
    const about = {
      rule_id: n.rule_id,
      notification_id: n.notification_id,
      url: displayTargetUrl(n.url),
      attempt: n.attempts,
      ...(r.status !== undefined ? { status: r.status } : {}),
      ...(r.error !== undefined ? { error: scrubUrls(r.error) } : {}),
    };
    if (r.ok) {
      if (await outbox.delivered(n, r.status))
        opts.metrics?.notifications.inc({ result: 'delivered' });
      return;
    }
    if (r.retry && n.attempts < opts.maxAttempts) {
      const base = Math.min(maxBackoff, opts.backoffMs * 2 ** (n.attempts - 1));
      // Jitter: receivers coming back are not hit by every waiting notification at once.
      const delay = base * (0.75 + Math.random() * 0.5);
      if (await outbox.retryLater(n, delay, r)) {
        opts.metrics?.notifications.inc({ result: 'retry' });
        log.warn({ ...about, retry_in_ms: Math.round(delay) }, 'alert notification attempt failed');
      }
      return;
    }
    if (await outbox.failed(n, r)) {
      opts.metrics?.notifications.inc({ result: 'failed' });
      log.error(about, 'alert notification failed: gave up');
    }
  }

  return {
    kick,
    async idle() {
      for (;;) {
        if (running) {
          await running;
          continue;
        }
        if (wake && !stopped) {
          await new Promise<void>((r) => wakeWaiters.push(r));
          continue;
        }
        return;
      }
    },
    async stop(graceMs) {
      stopped = true;
      clearWake();
      release();
      if (!running) return;
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([
        running.catch(() => {}),
        new Promise<void>((r) => {
          grace = setTimeout(r, graceMs);
          grace.unref();
        }),
      ]);
      clearTimeout(grace);
    },
  };
}
