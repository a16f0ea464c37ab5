import type { Queryable } from '../db/database.js';
import type { CallbackPolicy } from '../jobs/callback-policy.js';
import { enqueue } from '../jobs/queue.js';
import { deliverWebhook, WebhookError } from '../jobs/webhook.js';
import { type JobHandler, PermanentJobError } from '../jobs/worker.js';
import {
  REPORT_CALLBACK_JOB,
  REPORT_COLUMNS,
  REPORT_JOB,
  type ReportDay,
  type ReportRow,
  toReport,
} from './service.js';

/** Webhook retries: 8 attempts with the worker's exponential backoff between them. */
export const CALLBACK_MAX_ATTEMPTS = 8;

/**
 * Order totals per UTC day over [from, to], one entry per day (zero days included), for
 * one customer. Cancelled orders are not counted: they are not sales.
 */
export async function computeReportDays(
  q: Queryable,
  customerId: string,
  from: string,
  to: string,
): Promise<ReportDay[]> {
  const { rows } = await q.query<ReportDay>(
    `SELECT ($2::date + i) AS date,
            count(o.id) AS orders,
            coalesce(sum(o.total_cents), 0)::int8 AS total_cents
     FROM generate_series(0, $3::date - $2::date) AS i
     LEFT JOIN orders o
       ON o.customer_id = $1
      AND o.status <> 'cancelled'
      AND o.created_at >= ($2::date + i)::timestamp AT TIME ZONE 'UTC'
      AND o.created_at < ($2::date + i + 1)::timestamp AT TIME ZONE 'UTC'
     GROUP BY i
     ORDER BY i`,
    [customerId, from, to],
  );
  return rows;
}

async function loadReport(q: Queryable, id: unknown): Promise<ReportRow> {
  const { rows } = await q.query<ReportRow>(`SELECT ${REPORT_COLUMNS} FROM reports WHERE id = $1`, [
    String(id),
  ]);
  if (!rows[0]) throw new PermanentJobError(`report ${String(id)} does not exist`);
  return rows[0];
}

async function enqueueCallback(tx: Queryable, report: Pick<ReportRow, 'id' | 'callback_url'>) {
  if (!report.callback_url) return;
  await enqueue(tx, {
    kind: REPORT_CALLBACK_JOB,
    payload: { report_id: report.id },
    maxAttempts: CALLBACK_MAX_ATTEMPTS,
  });
}

/** The job handlers for reports; register them with startWorker. */
export function reportJobHandlers(policy: CallbackPolicy): Record<string, JobHandler> {
  return {
    [REPORT_JOB]: {
      async run({ db, job, completeIn }) {
        const report = await loadReport(db, job.payload.report_id);
        if (report.status === 'succeeded' || report.status === 'failed') return;
        await db.query(`UPDATE reports SET status = 'running', updated_at = now() WHERE id = $1`, [
          report.id,
        ]);
        const days = await computeReportDays(
          db,
          report.customer_id,
          report.from_date,
          report.to_date,
        );
        // Result, callback job and job completion commit together: a worker that dies before
        // this commit leaves nothing behind, and a rerun cannot enqueue a second callback.
        await db.transaction(async (tx) => {
          await tx.query(
            `UPDATE reports SET status = 'succeeded', result = $2, error = NULL, updated_at = now()
             WHERE id = $1`,
            [report.id, JSON.stringify({ days })],
          );
          await enqueueCallback(tx, report);
          await completeIn(tx);
        });
      },
      async onRetry(tx, job) {
        // Nothing runs during the backoff: the report is waiting again, not running.
        await tx.query(
          `UPDATE reports SET status = 'queued', updated_at = now()
           WHERE id = $1 AND status = 'running'`,
          [String(job.payload.report_id)],
        );
      },
      async onFailed(tx, job, error) {
        const { rows } = await tx.query<Pick<ReportRow, 'id' | 'callback_url'>>(
          `UPDATE reports SET status = 'failed', error = $2, updated_at = now()
           WHERE id = $1 AND status IN ('queued', 'running')
           RETURNING id, callback_url`,
          [String(job.payload.report_id), error],
        );
        if (rows[0]) await enqueueCallback(tx, rows[0]);
      },
    },

    [REPORT_CALLBACK_JOB]: {
      async run({ db, job }) {
        const report = await loadReport(db, job.payload.report_id);
        if (!report.callback_url) return;
        if (!policy.signingSecret) throw new PermanentJobError('no callback signing secret');
        const event = report.status === 'succeeded' ? 'report.succeeded' : 'report.failed';
        const body = JSON.stringify({ event, report: toReport(report) });
        try {
          await deliverWebhook(report.callback_url, body, {
            policy,
            event,
            deliveryId: job.id,
          });
        } catch (err) {
          if (err instanceof WebhookError && err.permanent)
            throw new PermanentJobError(err.message);
          throw err;
        }
      },
    },
  };
}
