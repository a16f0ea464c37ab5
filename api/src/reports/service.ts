import { ApiError } from '@gatehouse/shared';
import type { Database, Queryable } from '../db/database.js';
import { newId } from '../db/ids.js';
import { ApiErrors } from '../errors.js';
import { type CallbackPolicy, checkCallbackUrl } from '../jobs/callback-policy.js';
import { enqueue } from '../jobs/queue.js';

/**
 * Reports: a customer asks for order totals per day over a date range; the work runs as a
 * durable job (reports/jobs.ts) and the report row carries its status and result.
 */

export type ReportStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface ReportDay {
  /** UTC day, `YYYY-MM-DD`. */
  date: string;
  orders: number;
  total_cents: number;
}

export interface Report {
  id: string;
  status: ReportStatus;
  from: string;
  to: string;
  callback_url: string | null;
  result: { days: ReportDay[] } | null;
  error: string | null;
  created_at: string;
  updated_at: string;
}

export interface CreateReportInput {
  /** First UTC day, `YYYY-MM-DD`. */
  from: string;
  /** Last UTC day, inclusive. */
  to: string;
  callback_url?: string;
}

export const REPORT_JOB = 'report.generate';
export const REPORT_CALLBACK_JOB = 'report.callback';
/** Longest range one report may cover (about ten years of days). */
export const MAX_REPORT_DAYS = 3660;
export const REPORT_MAX_ATTEMPTS = 3;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Validates, checks the callback URL (refused before anything is written), then stores the
 * report and enqueues its job in one transaction.
 */
export async function createReport(
  db: Database,
  customerId: string,
  input: CreateReportInput,
  policy: CallbackPolicy,
): Promise<Report> {
  const from = parseDay(input.from, 'from');
  const to = parseDay(input.to, 'to');
  if (to < from) {
    throw new ApiError(ApiErrors.validation_failed, {
      field: 'to',
      message: '`to` must not be before `from`.',
    });
  }
  if ((to - from) / 86_400_000 + 1 > MAX_REPORT_DAYS) {
    throw new ApiError(ApiErrors.validation_failed, {
      field: 'to',
      message: `A report covers at most ${MAX_REPORT_DAYS} days.`,
    });
  }
  let callbackUrl: string | null = null;
  if (input.callback_url !== undefined) {
    if (!policy.signingSecret) {
      throw new ApiError(ApiErrors.callback_url_not_allowed, {
        field: 'callback_url',
        message: 'Callbacks are not configured on this server (no signing secret).',
      });
    }
    callbackUrl = (await checkCallbackUrl(input.callback_url, policy)).url.href;
  }
  const id = newId('rep');
  return db.transaction(async (tx) => {
    const jobId = await enqueue(tx, {
      kind: REPORT_JOB,
      payload: { report_id: id },
      maxAttempts: REPORT_MAX_ATTEMPTS,
    });
    const { rows } = await tx.query<ReportRow>(
      `INSERT INTO reports (id, customer_id, from_date, to_date, callback_url, job_id)
       VALUES ($1, $2, $3, $4, $5, $6)
       RETURNING ${REPORT_COLUMNS}`,
      [id, customerId, input.from, input.to, callbackUrl, jobId],
    );
    return toReport(rows[0]!);
  });
}

/** The customer's report, or null (also for another customer's report: never reveal it). */
export async function getReport(
  db: Queryable,
  customerId: string,
  id: string,
): Promise<Report | null> {
  const { rows } = await db.query<ReportRow>(
    `SELECT ${REPORT_COLUMNS} FROM reports WHERE id = $1 AND customer_id = $2`,
    [id, customerId],
  );
  return rows[0] ? toReport(rows[0]) : null;
}

// ---------------------------------------------------------------------------------------

export interface ReportRow {
  id: string;
  customer_id: string;
  from_date: string;
  to_date: string;
  callback_url: string | null;
  status: ReportStatus;
  result: { days: ReportDay[] } | null;
  error: string | null;
  job_id: string;
  created_at: Date;
  updated_at: Date;
}

export const REPORT_COLUMNS = `id, customer_id, from_date, to_date, callback_url, status, result,
  error, job_id, created_at, updated_at`;

export function toReport(r: ReportRow): Report {
  return {
    id: r.id,
    status: r.status,
    from: r.from_date,
    to: r.to_date,
    callback_url: r.callback_url,
    result: r.result,
    error: r.error,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}

function parseDay(value: string, field: string): number {
  const ms = DAY.test(value) ? Date.parse(`${value}T00:00:00Z`) : Number.NaN;
  // Date.parse accepts 2026-02-30 by rolling over; round-tripping catches it.
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value) {
    throw new ApiError(ApiErrors.validation_failed, {
      field,
      message: `\`${field}\` must be a calendar date, YYYY-MM-DD.`,
    });
  }
  return ms;
}
