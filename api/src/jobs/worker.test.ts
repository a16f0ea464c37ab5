import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/database.js';
import { openTestPostgres, testDatabases } from '../db/test-databases.js';
import { backoffMs } from './backoff.js';
import { claim, complete, enqueue, fail, getJob, heartbeat } from './queue.js';
import { waitFor } from './wait-for.js';
import { type JobHandler, PermanentJobError, startWorker } from './worker.js';

const fast = { pollMs: 20, backoff: { baseMs: 10, maxMs: 40 } };

describe.each(testDatabases())('job queue on $name', ({ open }) => {
  let db: Database;
  beforeAll(async () => {
    db = await open();
    await db.query('CREATE TABLE runs (job_id text NOT NULL, worker_id text NOT NULL)');
  });
  afterAll(async () => {
    await db.close();
  });

  const recordRun: JobHandler = {
    async run({ job, workerId, db: d }) {
      await d.query('INSERT INTO runs (job_id, worker_id) VALUES ($1, $2)', [job.id, workerId]);
    },
  };
  const runsOf = async (jobId: string) =>
    (await db.query<{ worker_id: string }>('SELECT worker_id FROM runs WHERE job_id = $1', [jobId]))
      .rows;

  it('enqueues in the caller transaction: a rollback leaves no job', async () => {
    let id = '';
    await expect(
      db.transaction(async (tx) => {
        id = await enqueue(tx, { kind: 'rolled.back' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await getJob(db, id)).toBeNull();
  });

  it('claims only due jobs of the requested kinds, once', async () => {
    const due = await enqueue(db, { kind: 'k.claim', payload: { a: 1 } });
    const later = await enqueue(db, { kind: 'k.claim', delayMs: 60_000 });
    const other = await enqueue(db, { kind: 'k.other' });
    const got = await claim(db, { workerId: 'w1', kinds: ['k.claim'], leaseMs: 10_000, limit: 10 });
    expect(got.map((j) => j.id)).toEqual([due]);
    expect(got[0]).toMatchObject({
      status: 'running',
      attempts: 1,
      lockedBy: expect.stringMatching(/^w1\//),
      payload: { a: 1 },
    });
    expect(got[0]!.lockedUntil!.getTime()).toBeGreaterThan(Date.now());
    const again = await claim(db, {
      workerId: 'w2',
      kinds: ['k.claim'],
      leaseMs: 10_000,
      limit: 10,
    });
    expect(again).toEqual([]);
    expect((await getJob(db, later))?.status).toBe('queued');
    expect((await getJob(db, other))?.status).toBe('queued');
  });

  it('fences complete, fail and heartbeat on the lease holder', async () => {
    const id = await enqueue(db, { kind: 'k.fence' });
    const [job] = await claim(db, {
      workerId: 'owner',
      kinds: ['k.fence'],
      leaseMs: 10_000,
      limit: 1,
    });
    const lease = job!.lockedBy!;
    expect(await heartbeat(db, id, 'intruder', 10_000)).toBe(false);
    expect(await complete(db, id, 'owner')).toBe(false); // a worker id is not a lease
    expect(await fail(db, job!, 'intruder', 'x', { retryInMs: 0 })).toBe('lease_lost');
    expect(await heartbeat(db, id, lease, 10_000)).toBe(true);
    expect(await complete(db, id, lease)).toBe(true);
    expect(await getJob(db, id)).toMatchObject({ status: 'succeeded', lockedBy: null });
  });

  it('fences even the same worker out of an attempt it lost and claimed again', async () => {
    const id = await enqueue(db, { kind: 'k.self' });
    const opts = { workerId: 'same', kinds: ['k.self'], leaseMs: 30, limit: 1 };
    const [first] = await claim(db, opts);
    const [second] = await waitFor('the expired lease to be claimed again', async () => {
      const got = await claim(db, { ...opts, leaseMs: 10_000 });
      return got.length > 0 ? got : undefined;
    });
    expect(second!.id).toBe(id);
    expect(second!.attempts).toBe(2);
    expect(second!.lockedBy).not.toBe(first!.lockedBy);
    expect(await complete(db, id, first!.lockedBy!)).toBe(false);
    expect(await complete(db, id, second!.lockedBy!)).toBe(true);
  });

  it('reclaims a job whose lease expired (its worker vanished) and finishes it', async () => {
    const id = await enqueue(db, { kind: 'k.abandon' });
    const [ghost] = await claim(db, {
      workerId: 'ghost',
      kinds: ['k.abandon'],
      leaseMs: 50,
      limit: 1,
    });
    expect(ghost?.id).toBe(id);
    const worker = startWorker(db, { ...fast, handlers: { 'k.abandon': recordRun } });
    try {
      const done = await waitFor('the abandoned job to succeed', async () => {
        const j = await getJob(db, id);
        return j?.status === 'succeeded' ? j : undefined;
      });
      expect(done.attempts).toBe(2);
      expect(await runsOf(id)).toEqual([{ worker_id: worker.id }]);
      // The ghost coming back cannot overwrite the outcome.
      expect(await complete(db, id, ghost!.lockedBy!)).toBe(false);
    } finally {
      await worker.stop();
    }
  });

  it('keeps the lease alive by heartbeat while a long job runs', async () => {
    const id = await enqueue(db, { kind: 'k.long' });
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const worker = startWorker(db, {
      ...fast,
      leaseMs: 1000,
      handlers: {
        'k.long': {
          async run(ctx) {
            await recordRun.run(ctx);
            await released;
          },
        },
      },
    });
    let rival: ReturnType<typeof startWorker> | undefined;
    try {
      const first = await waitFor('the job to be running', async () => {
        const j = await getJob(db, id);
        return j?.status === 'running' ? j : undefined;
      });
      // Only now, so that the rival cannot be the one that claims the job first.
      rival = startWorker(db, { ...fast, leaseMs: 1000, handlers: { 'k.long': recordRun } });
      // The job outlives its first lease: heartbeats moved locked_until on, and the rival
      // worker polling all along never took the job over.
      await waitFor('the lease to be renewed past the first lease', async () => {
        const j = await getJob(db, id);
        return j!.lockedUntil!.getTime() > first.lockedUntil!.getTime() + 1500;
      });
      release();
      await waitFor(
        'the job to succeed',
        async () => (await getJob(db, id))?.status === 'succeeded',
      );
      expect(await runsOf(id)).toEqual([{ worker_id: worker.id }]);
      expect((await getJob(db, id))?.attempts).toBe(1);
    } finally {
      release();
      await Promise.all([worker.stop(), rival?.stop()]);
    }
  });

  it('retries a failing job with backoff, then fails it for good and tells the handler', async () => {
    const id = await enqueue(db, { kind: 'k.flaky', maxAttempts: 3 });
    const failures: string[] = [];
    const retries: string[] = [];
    const worker = startWorker(db, {
      ...fast,
      handlers: {
        'k.flaky': {
          async run({ job }) {
            throw new Error(`attempt ${job.attempts} broke`);
          },
          async onRetry(tx, job, error) {
            const { rows } = await tx.query<{ status: string }>(
              'SELECT status FROM jobs WHERE id = $1',
              [job.id],
            );
            retries.push(`${rows[0]!.status}: ${error}`);
          },
          async onFailed(tx, job, error) {
            // Inside the failing transaction: the job already reads as failed.
            const { rows } = await tx.query<{ status: string }>(
              'SELECT status FROM jobs WHERE id = $1',
              [job.id],
            );
            failures.push(`${rows[0]!.status}: ${error}`);
          },
        },
      },
    });
    try {
      const done = await waitFor('the job to fail for good', async () => {
        const j = await getJob(db, id);
        return j?.status === 'failed' ? j : undefined;
      });
      expect(done.attempts).toBe(3);
      expect(done.lastError).toBe('attempt 3 broke');
      expect(failures).toEqual(['failed: attempt 3 broke']);
      expect(retries).toEqual(['queued: attempt 1 broke', 'queued: attempt 2 broke']);
    } finally {
      await worker.stop();
    }
  });

  it('puts a failed attempt back in the queue with its run_at pushed out', async () => {
    const id = await enqueue(db, { kind: 'k.backoff' });
    const [job] = await claim(db, {
      workerId: 'w',
      kinds: ['k.backoff'],
      leaseMs: 10_000,
      limit: 1,
    });
    expect(await fail(db, job!, job!.lockedBy!, 'nope', { retryInMs: 60_000 })).toBe('retry');
    const after = await getJob(db, id);
    expect(after).toMatchObject({ status: 'queued', lastError: 'nope', lockedBy: null });
    expect(after!.runAt.getTime()).toBeGreaterThan(Date.now() + 30_000);
    expect(
      await claim(db, { workerId: 'w', kinds: ['k.backoff'], leaseMs: 10_000, limit: 1 }),
    ).toEqual([]);
  });

  it('fails at once on a PermanentJobError', async () => {
    const id = await enqueue(db, { kind: 'k.permanent', maxAttempts: 5 });
    const worker = startWorker(db, {
      ...fast,
      handlers: {
        'k.permanent': {
          async run() {
            throw new PermanentJobError('bad payload');
          },
        },
      },
    });
    try {
      const done = await waitFor('the job to fail', async () => {
        const j = await getJob(db, id);
        return j?.status === 'failed' ? j : undefined;
      });
      expect(done).toMatchObject({ attempts: 1, lastError: 'bad payload' });
    } finally {
      await worker.stop();
    }
  });

  it('commits a handler’s effects and the completion together through completeIn', async () => {
    const id = await enqueue(db, { kind: 'k.tx' });
    const [job] = await claim(db, { workerId: 'a', kinds: ['k.tx'], leaseMs: 10_000, limit: 1 });
    // Someone else took over: completing in a transaction with effects must roll them back.
    await db.query(`UPDATE jobs SET locked_by = 'b' WHERE id = $1`, [id]);
    const { LeaseLostError } = await import('./worker.js');
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO runs (job_id, worker_id) VALUES ($1, $2)', [job!.id, 'a']);
        if (!(await complete(tx, job!.id, job!.lockedBy!))) throw new LeaseLostError(job!.id);
      }),
    ).rejects.toBeInstanceOf(LeaseLostError);
    expect(await runsOf(id)).toEqual([]);
  });

  it('stops gracefully: the running job finishes before stop() resolves', async () => {
    const id = await enqueue(db, { kind: 'k.graceful' });
    let started!: () => void;
    const isStarted = new Promise<void>((r) => (started = r));
    let finish!: () => void;
    const finished = new Promise<void>((r) => (finish = r));
    const worker = startWorker(db, {
      ...fast,
      handlers: {
        'k.graceful': {
          async run(ctx) {
            started();
            await finished;
            await recordRun.run(ctx);
          },
        },
      },
    });
    await isStarted;
    let stopped = false;
    const stopping = worker.stop().then(() => {
      stopped = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false);
    finish();
    await stopping;
    expect((await getJob(db, id))?.status).toBe('succeeded');
    // And it claims nothing more.
    const next = await enqueue(db, { kind: 'k.graceful' });
    expect((await getJob(db, next))?.status).toBe('queued');
  });

  it('aborts a job still running after the stop grace period and hands it back', async () => {
    const id = await enqueue(db, { kind: 'k.stuck' });
    let started!: () => void;
    const isStarted = new Promise<void>((r) => (started = r));
    const worker = startWorker(db, {
      ...fast,
      stopGraceMs: 50,
      handlers: {
        'k.stuck': {
          async run({ signal }) {
            started();
            // Ignores everything but its abort signal.
            await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
            throw signal.reason;
          },
        },
      },
    });
    await isStarted;
    await worker.stop();
    const job = await waitFor('the job to be queued again', async () => {
      const j = await getJob(db, id);
      return j?.status === 'queued' ? j : undefined;
    });
    expect(job).toMatchObject({ attempts: 1, lastError: 'worker stopping', lockedBy: null });
  });
});

describe('job queue on postgres: several workers', () => {
  it('runs each of many jobs exactly once across competing workers', async () => {
    const db = await openTestPostgres({ poolSize: 4 });
    await db.query('CREATE TABLE runs (job_id text NOT NULL, worker_id text NOT NULL)');
    const schema = (await db.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s;
    const pools = await Promise.all(
      [1, 2, 3].map(() => openTestPostgres({ schema, migrate: false, poolSize: 3 })),
    );
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push(await enqueue(db, { kind: 'k.many', payload: { i } }));
    const workers = pools.map((p) =>
      startWorker(p, {
        pollMs: 20,
        concurrency: 3,
        handlers: {
          'k.many': {
            async run({ job, workerId }) {
              await p.query('INSERT INTO runs (job_id, worker_id) VALUES ($1, $2)', [
                job.id,
                workerId,
              ]);
            },
          },
        },
      }),
    );
    try {
      await waitFor('all jobs to succeed', async () => {
        const { rows } = await db.query<{ n: number }>(
          `SELECT count(*) AS n FROM jobs WHERE kind = 'k.many' AND status = 'succeeded'`,
        );
        return rows[0]!.n === ids.length;
      });
      const { rows } = await db.query<{ job_id: string; n: number }>(
        'SELECT job_id, count(*) AS n FROM runs GROUP BY job_id',
      );
      expect(rows.length).toBe(ids.length);
      expect(rows.every((r) => r.n === 1)).toBe(true);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await Promise.all(pools.map((p) => p.close()));
      await db.close();
    }
  });
});

describe('backoffMs', () => {
  it('doubles per attempt within [d/2, d] and stays under the cap', () => {
    const opts = { baseMs: 100, maxMs: 1000 };
    expect(backoffMs(1, opts, () => 0)).toBe(50);
    expect(backoffMs(1, opts, () => 1)).toBe(100);
    expect(backoffMs(3, opts, () => 1)).toBe(400);
    expect(backoffMs(3, opts, () => 0)).toBe(200);
    expect(backoffMs(10, opts, () => 1)).toBe(1000);
    expect(backoffMs(1000, opts, () => 0.5)).toBe(750);
  });
});
