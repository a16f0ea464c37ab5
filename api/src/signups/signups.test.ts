import { ApiError } from '@gatehouse/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/database.js';
import { testDatabases } from '../db/test-databases.js';
import { getJob } from '../jobs/queue.js';
import { waitFor } from '../jobs/wait-for.js';
import { startWorker } from '../jobs/worker.js';
import { signupJobHandlers } from './jobs.js';
import { createSignup, WELCOME_EMAIL_JOB } from './service.js';

describe.each(testDatabases())('signups on $name', ({ open }) => {
  let db: Database;
  beforeAll(async () => {
    db = await open();
  });
  afterAll(async () => {
    await db.close();
  });

  const jobsFor = async (signupId: string) =>
    (
      await db.query<{ id: string; status: string }>(
        `SELECT id, status FROM jobs WHERE kind = $1 AND payload->>'signup_id' = $2`,
        [WELCOME_EMAIL_JOB, signupId],
      )
    ).rows;

  it('stores the signup and its welcome-email job together', async () => {
    const s = await createSignup(db, { email: 'ada@example.com', name: 'Ada' });
    expect(s).toMatchObject({ email: 'ada@example.com', name: 'Ada' });
    expect(s.id).toMatch(/^sgn_/);
    expect(new Date(s.created_at).toISOString()).toBe(s.created_at);
    expect(await jobsFor(s.id)).toEqual([{ id: expect.stringMatching(/^job_/), status: 'queued' }]);
  });

  it('refuses a second signup for the same address, whatever its case, with 409 signup_exists', async () => {
    await createSignup(db, { email: 'grace@example.com', name: 'Grace' });
    const err = await createSignup(db, { email: 'Grace@Example.COM', name: 'Other' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'signup_exists', status: 409, field: 'email' });
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*) AS n FROM signups WHERE lower(email) = 'grace@example.com'`,
    );
    expect(rows).toEqual([{ n: 1 }]);
    // The refused attempt left no job behind either.
    const jobs = await db.query<{ n: number }>(
      `SELECT count(*) AS n FROM jobs j WHERE kind = $1
       AND NOT EXISTS (SELECT 1 FROM signups s WHERE s.id = j.payload->>'signup_id')`,
      [WELCOME_EMAIL_JOB],
    );
    expect(jobs.rows).toEqual([{ n: 0 }]);
  });

  it('creates exactly one signup when the same address arrives concurrently', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) =>
        createSignup(db, { email: 'race@example.com', name: `R${i}` }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected.map((r) => (r.reason as ApiError).code)).toEqual(
      Array(4).fill('signup_exists'),
    );
  });

  it('delivers the welcome e-mail into the outbox, once', async () => {
    const s = await createSignup(db, { email: 'linus@example.com', name: 'Linus' });
    const [job] = await jobsFor(s.id);
    const worker = startWorker(db, { pollMs: 20, handlers: signupJobHandlers() });
    try {
      await waitFor(
        'the welcome job to succeed',
        async () => (await getJob(db, job!.id))?.status === 'succeeded',
      );
    } finally {
      await worker.stop();
    }
    const { rows } = await db.query<{ to_address: string; subject: string; body: string }>(
      'SELECT to_address, subject, body FROM outbox WHERE job_id = $1',
      [job!.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      to_address: 'linus@example.com',
      subject: 'Welcome to Gatehouse',
    });
    expect(rows[0]!.body).toContain('Hello Linus');
  });

  it('does not send twice when a job is run again after its worker died past the write', async () => {
    const s = await createSignup(db, { email: 'margaret@example.com', name: 'Margaret' });
    const [job] = await jobsFor(s.id);
    // The first worker wrote the mail but died before completing; its lease has expired.
    await db.query(
      `INSERT INTO outbox (id, job_id, to_address, subject, body) VALUES ('msg_first', $1, $2, 's', 'b')`,
      [job!.id, s.email],
    );
    await db.query(
      `UPDATE jobs SET status = 'running', attempts = 1, locked_by = 'dead',
         locked_until = now() - interval '1 second' WHERE id = $1`,
      [job!.id],
    );
    const worker = startWorker(db, { pollMs: 20, handlers: signupJobHandlers() });
    try {
      await waitFor(
        'the job to succeed',
        async () => (await getJob(db, job!.id))?.status === 'succeeded',
      );
    } finally {
      await worker.stop();
    }
    const { rows } = await db.query('SELECT id FROM outbox WHERE job_id = $1', [job!.id]);
    expect(rows).toEqual([{ id: 'msg_first' }]);
  });
});
