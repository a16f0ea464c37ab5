import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/database.js';
import { openTestPostgres } from '../db/test-databases.js';
import { enqueue, getJob } from './queue.js';
import { waitFor } from './wait-for.js';
import { startWorker } from './worker.js';

const fixture = fileURLToPath(new URL('./fixtures/worker-process.ts', import.meta.url));

describe('a job whose worker process is killed (postgres)', () => {
  let db: Database;
  let schema: string;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    db = await openTestPostgres();
    schema = (await db.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s;
    await db.query('CREATE TABLE runs (job_id text NOT NULL, worker_id text NOT NULL)');
  });
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await db.close();
  });

  it('finishes on another worker after the lease runs out', async () => {
    const jobId = await enqueue(db, { kind: 'test.work', payload: { n: 1 } });
    child = spawn(process.execPath, ['--import', 'tsx', fixture, schema, '1000'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const childId = await waitFor('the child worker to start', () => out.split('\n')[0] || false);
    await waitFor('the child to run the job', async () => {
      const { rows } = await db.query('SELECT 1 FROM runs WHERE job_id = $1 AND worker_id = $2', [
        jobId,
        childId,
      ]);
      return rows.length > 0;
    });
    expect((await getJob(db, jobId))?.lockedBy).toMatch(new RegExp(`^${childId}/`));

    child.kill('SIGKILL');
    await once(child, 'exit');

    const survivor = startWorker(db, {
      pollMs: 50,
      leaseMs: 5000,
      handlers: {
        'test.work': {
          async run({ job, workerId }) {
            await db.query('INSERT INTO runs (job_id, worker_id) VALUES ($1, $2)', [
              job.id,
              workerId,
            ]);
          },
        },
      },
    });
    try {
      const done = await waitFor('the job to succeed on the surviving worker', async () => {
        const job = await getJob(db, jobId);
        return job?.status === 'succeeded' ? job : undefined;
      });
      expect(done.attempts).toBe(2);
      const { rows } = await db.query<{ worker_id: string }>(
        'SELECT worker_id FROM runs WHERE job_id = $1 ORDER BY worker_id = $2 DESC',
        [jobId, childId],
      );
      expect(rows.map((r) => r.worker_id)).toEqual([childId, survivor.id]);
    } finally {
      await survivor.stop();
    }
  });
});
