import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Database, Queryable } from '../db/database.js';
import { type BackoffOptions, backoffMs, DEFAULT_BACKOFF } from './backoff.js';
import { claim, complete, fail, heartbeat, type Job } from './queue.js';

/**
 * The worker loop: claims due jobs of the kinds it has handlers for, runs them with a lease
 * it keeps alive by heartbeat, and records the outcome. Several workers (in one process or
 * many) share the queue safely; a worker that dies simply stops heartbeating, its lease
 * runs out, and another worker claims the job again.
 *
 * Delivery is at least once: a handler may run again after its worker died mid-way, so a
 * handler makes its effects idempotent, or commits them together with the job's completion
 * through `ctx.completeIn(tx)` (then a rerun finds the lease fenced and rolls back).
 */

export interface JobContext {
  db: Database;
  job: Job;
  workerId: string;
  /** Aborted when the lease is lost or the worker stops past its grace period. */
  signal: AbortSignal;
  /**
   * Marks the job succeeded inside the handler's own transaction, so its effects and its
   * completion commit together. Throws LeaseLostError (rolling the transaction back) when
   * another worker owns the job by now.
   */
  completeIn(tx: Queryable): Promise<void>;
}

export interface JobHandler {
  run(ctx: JobContext): Promise<void>;
  /** Runs in the transaction that fails the job for good (attempts exhausted or permanent). */
  onFailed?(tx: Queryable, job: Job, error: string): Promise<void>;
  /** Runs in the transaction that puts the job back in the queue for another attempt. */
  onRetry?(tx: Queryable, job: Job, error: string): Promise<void>;
}

/** Thrown by a handler for an error no retry can fix: the job fails at once. */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
  constructor(jobId: string) {
    super(`lease on job ${jobId} was lost to another worker`);
  }
}

export interface WorkerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface WorkerOptions {
  handlers: Record<string, JobHandler>;
  /** Unique per worker; default host:pid:random. */
  workerId?: string;
  /** Sleep between polls when the queue is empty (default 500). */
  pollMs?: number;
  /** Lease length; renewed every third of it (default 30000). */
  leaseMs?: number;
  /** Jobs run at once by this worker (default 4). */
  concurrency?: number;
  backoff?: BackoffOptions;
  /** How long stop() waits for running jobs before aborting them (default 10000). */
  stopGraceMs?: number;
  logger?: WorkerLogger;
}

export interface Worker {
  readonly id: string;
  /** Stops claiming, lets running jobs finish (up to stopGraceMs), then resolves. */
  stop(): Promise<void>;
}

const silent: WorkerLogger = { info() {}, warn() {}, error() {} };

export function startWorker(db: Database, opts: WorkerOptions): Worker {
  const id = opts.workerId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const pollMs = opts.pollMs ?? 500;
  const leaseMs = opts.leaseMs ?? 30_000;
  const concurrency = opts.concurrency ?? 4;
  const backoff = opts.backoff ?? DEFAULT_BACKOFF;
  const stopGraceMs = opts.stopGraceMs ?? 10_000;
  const log = opts.logger ?? silent;
  const kinds = Object.keys(opts.handlers);
  if (leaseMs < 30) throw new Error(`leaseMs must be at least 30 (got ${leaseMs})`);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error(`concurrency must be a positive integer (got ${concurrency})`);
  }

  const running = new Map<string, { done: Promise<void>; abort: AbortController }>();
  let stopping = false;
  let wake: (() => void) | undefined;
  const nudge = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        wake = undefined;
        resolve();
      }, ms);
      t.unref();
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });

  async function runJob(job: Job, abort: AbortController): Promise<void> {
    const handler = opts.handlers[job.kind]!;
    if (job.attempts > job.maxAttempts) {
      // Its last attempt's worker died: nothing left to try.
      await recordFailure(job, handler, 'worker lost the lease on the last attempt', true);
      return;
    }
    const lease = job.lockedBy!;
    let completedInTx = false;
    let leaseLost = false;
    const beat = setInterval(
      () => {
        heartbeat(db, job.id, lease, leaseMs).then(
          (held) => {
            if (!held && !leaseLost) {
              leaseLost = true;
              log.warn({ job_id: job.id, worker_id: id }, 'job lease lost; aborting');
              abort.abort(new LeaseLostError(job.id));
            }
          },
          (err: unknown) => log.warn({ job_id: job.id, err }, 'job heartbeat failed'),
        );
      },
      Math.max(10, Math.floor(leaseMs / 3)),
    );
    beat.unref();
    try {
      await handler.run({
        db,
        job,
        workerId: id,
        signal: abort.signal,
        completeIn: async (tx) => {
          if (!(await complete(tx, job.id, lease))) throw new LeaseLostError(job.id);
          completedInTx = true;
        },
      });
      clearInterval(beat);
      if (!completedInTx && !(await complete(db, job.id, lease))) {
        log.warn({ job_id: job.id, worker_id: id }, 'job finished after its lease was lost');
        return;
      }
      log.info({ job_id: job.id, kind: job.kind, attempt: job.attempts }, 'job succeeded');
    } catch (err) {
      clearInterval(beat);
      if (err instanceof LeaseLostError || leaseLost) {
        log.warn({ job_id: job.id, worker_id: id }, 'job abandoned: lease lost');
        return;
      }
      await recordFailure(job, handler, errorText(err), err instanceof PermanentJobError);
    }
  }

  async function recordFailure(job: Job, handler: JobHandler, error: string, final: boolean) {
    const retryInMs = backoffMs(job.attempts, backoff);
    const outcome =
      handler.onFailed || handler.onRetry
        ? await db.transaction(async (tx) => {
            const o = await fail(tx, job, job.lockedBy!, error, { retryInMs, final });
            if (o === 'failed') await handler.onFailed?.(tx, job, error);
            if (o === 'retry') await handler.onRetry?.(tx, job, error);
            return o;
          })
        : await fail(db, job, job.lockedBy!, error, { retryInMs, final });
    const fields = { job_id: job.id, kind: job.kind, attempt: job.attempts, error };
    if (outcome === 'retry')
      log.warn({ ...fields, retry_in_ms: retryInMs }, 'job failed; will retry');
    else if (outcome === 'failed') log.error(fields, 'job failed for good');
    else log.warn(fields, 'job failed after its lease was lost');
  }

  function start(job: Job) {
    const abort = new AbortController();
    const done = runJob(job, abort)
      .catch((err: unknown) => log.error({ job_id: job.id, err }, 'recording job outcome failed'))
      .finally(() => {
        running.delete(job.lockedBy!);
        nudge();
      });
    // Keyed by lease, not job id: after a lost lease the same job may be here twice.
    running.set(job.lockedBy!, { done, abort });
  }

  const loop = (async () => {
    while (!stopping) {
      const free = concurrency - running.size;
      let claimed: Job[] = [];
      if (free > 0) {
        try {
          claimed = await claim(db, { workerId: id, kinds, leaseMs, limit: free });
        } catch (err) {
          log.error({ err, worker_id: id }, 'claiming jobs failed');
        }
        for (const job of claimed) start(job);
      }
      if (stopping) break;
      // A full batch suggests more are due: poll again at once.
      if (free > 0 && claimed.length === free) continue;
      await sleep(pollMs);
    }
  })();

  let stopped: Promise<void> | undefined;
  return {
    id,
    stop() {
      stopped ??= (async () => {
        stopping = true;
        nudge();
        await loop;
        const all = Promise.all([...running.values()].map((r) => r.done));
        let timer: NodeJS.Timeout | undefined;
        const grace = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), stopGraceMs);
        });
        if ((await Promise.race([all, grace])) === 'timeout') {
          // Leases of what is still running will expire and other workers take over.
          for (const r of running.values()) r.abort.abort(new Error('worker stopping'));
          await Promise.race([all, new Promise((r) => setTimeout(r, 1000).unref())]);
        }
        clearTimeout(timer);
      })();
      return stopped;
    },
  };
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
