/**
 * The evaluation loop: every interval, if this collector holds the leader lease, evaluate all
 * rules, then kick the notification delivery loop (which works only while this collector
 * leads; the kick on a new leader's first tick sends what the previous leader left). Ticks
 * never overlap (the next one is scheduled after the previous finished) and the timer is
 * unref'd so it never keeps a process alive.
 */
import type { Logger } from 'pino';
import type { DeliveryLoop } from './delivery-loop.js';
import type { Evaluator } from './evaluator.js';
import type { LeaderLease } from './leader-lease.js';

export interface AlertRunner {
  isLeader(): boolean;
  /** One tick now: acquire/confirm the lease, evaluate when leader. Returns leadership. */
  tick(nowMs?: number): Promise<boolean>;
  stop(): Promise<void>;
}

export function startAlertRunner(opts: {
  evaluator: Evaluator;
  delivery: Pick<DeliveryLoop, 'kick' | 'stop'>;
  lease: LeaderLease;
  intervalMs: number;
  log: Logger;
  /** false: no timer (tests drive `tick`). */
  schedule?: boolean;
  /** How long `stop()` waits for notifications in flight (default 5 s); the rest stay queued. */
  shutdownGraceMs?: number;
}): AlertRunner {
  let leader = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<boolean> | undefined;

  async function tick(nowMs?: number): Promise<boolean> {
    const was = leader;
    leader = await opts.lease.tryAcquire();
    if (leader !== was)
      opts.log.info(
        { leader },
        leader ? 'alert evaluator: leading' : 'alert evaluator: standing by',
      );
    try {
      if (leader && !stopped) await opts.evaluator.evaluate(nowMs);
    } finally {
      if (!stopped) opts.delivery.kick();
    }
    return leader;
  }

  const loop = () => {
    if (stopped) return;
    running = tick().catch((err: Error) => {
      opts.log.warn({ err: err.message }, 'alert evaluation tick failed');
      return leader;
    });
    void running.finally(() => {
      if (stopped) return;
      timer = setTimeout(loop, opts.intervalMs);
      timer.unref();
    });
  };
  if (opts.schedule !== false) {
    timer = setTimeout(loop, Math.min(1000, opts.intervalMs));
    timer.unref();
  }

  return {
    isLeader: () => leader,
    tick,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => {});
      // Let sends in flight finish, but do not hold a shutdown for retries: they are in the
      // outbox, and the next leader sends them.
      await opts.delivery.stop(opts.shutdownGraceMs ?? 5000);
      await opts.lease.release();
      leader = false;
    },
  };
}
