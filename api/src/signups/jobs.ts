import { newId } from '../db/ids.js';
import { type JobHandler, PermanentJobError } from '../jobs/worker.js';
import { WELCOME_EMAIL_JOB } from './service.js';

export function welcomeEmail(name: string): { subject: string; body: string } {
  return {
    subject: 'Welcome to Gatehouse',
    body: `Hello ${name},\n\nthank you for signing up. Your account is ready.\n\nThe Gatehouse team\n`,
  };
}

/**
 * The job handlers for signups; register them with startWorker. The welcome e-mail goes to
 * the `outbox` table (what an SMTP relay would pick up). Writing it and completing the job
 * commit together, and `outbox.job_id` is unique, so a rerun after a crash never sends twice.
 */
export function signupJobHandlers(): Record<string, JobHandler> {
  return {
    [WELCOME_EMAIL_JOB]: {
      async run({ db, job, completeIn }) {
        const { rows } = await db.query<{ email: string; name: string }>(
          'SELECT email, name FROM signups WHERE id = $1',
          [String(job.payload.signup_id)],
        );
        const signup = rows[0];
        if (!signup)
          throw new PermanentJobError(`signup ${String(job.payload.signup_id)} does not exist`);
        const mail = welcomeEmail(signup.name);
        await db.transaction(async (tx) => {
          await tx.query(
            `INSERT INTO outbox (id, job_id, to_address, subject, body) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (job_id) DO NOTHING`,
            [newId('msg'), job.id, signup.email, mail.subject, mail.body],
          );
          await completeIn(tx);
        });
      },
    },
  };
}
