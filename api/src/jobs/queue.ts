import { randomBytes } from 'node:crypto';
import type { Queryable } from '../db/database.js';
import { newId } from '../db/ids.js';

/**
 * The durable job queue: jobs are rows of `jobs` (migrations/0001_jobs.sql). Every time is
 * the database's clock (`now()`), never a worker's, so workers on machines whose clocks
 * drift still agree on when a lease ran out.
 *
 * Lifecycle: queued → (claim) running → succeeded | queued again with backoff | failed.
 * A running row whose lease (`locked_until`) passed is claimable again: its worker died.
 * Each claim writes a fresh lease token into `locked_by` (`<worker id>/<random>`);
 * complete / fail / heartbeat are fenced on that token, so a worker that lost its lease (it
 * stalled and the job was claimed again, by another worker or by itself) cannot overwrite
 * the newer attempt's outcome.
 */

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface Job {
  id: string;
  kind: string;
  payload: Record<string, unknown>;
  status: JobStatus;
  attempts: number;
  maxAttempts: number;
  runAt: Date;
  /** Lease token of the current attempt (`<worker id>/<random>`): complete/fail/heartbeat take it. */
  lockedBy: string | null;
  lockedUntil: Date | null;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

export interface EnqueueInput {
  kind: string;
  payload?: Record<string, unknown>;
  /** Total attempts before the job is failed for good (default 5). */
  maxAttempts?: number;
  /** Delay before the first attempt (default 0). */
  delayMs?: number;
}

export const DEFAULT_MAX_ATTEMPTS = 5;

interface JobRow {
  id: string;
  kind: string;
  payload: Record<string, unknown>;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
  run_at: Date;
  locked_by: string | null;
  locked_until: Date | null;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

const COLUMNS = `id, kind, payload, status, attempts, max_attempts, run_at, locked_by,
  locked_until, last_error, created_at, updated_at, finished_at`;

function toJob(r: JobRow): Job {
  return {
    id: r.id,
    kind: r.kind,
    payload: r.payload,
    status: r.status,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    runAt: r.run_at,
    lockedBy: r.locked_by,
    lockedUntil: r.locked_until,
    lastError: r.last_error,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
  };
}

/**
 * Adds a job. Pass the caller's transaction so that the job exists exactly when the work
 * that asked for it was committed (a signup and its welcome e-mail, a report and its run).
 */
export async function enqueue(q: Queryable, input: EnqueueInput): Promise<string> {
  const id = newId('job');
  const maxAttempts = input.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new Error(`maxAttempts must be a positive integer (got ${maxAttempts})`);
  }
  await q.query(
    `INSERT INTO jobs (id, kind, payload, max_attempts, run_at)
     VALUES ($1, $2, $3, $4, now() + $5::int * interval '1 millisecond')`,
    [id, input.kind, JSON.stringify(input.payload ?? {}), maxAttempts, input.delayMs ?? 0],
  );
  return id;
}

export async function getJob(q: Queryable, id: string): Promise<Job | null> {
  const { rows } = await q.query<JobRow>(`SELECT ${COLUMNS} FROM jobs WHERE id = $1`, [id]);
  return rows[0] ? toJob(rows[0]) : null;
}

export interface ClaimOptions {
  workerId: string;
  /** Only these kinds (the ones the worker can run). */
  kinds: string[];
  leaseMs: number;
  limit: number;
}

/**
 * Takes up to `limit` due jobs: queued ones whose run_at has come, and running ones whose
 * lease expired. SKIP LOCKED lets concurrent workers pass over rows another worker is
 * claiming right now instead of waiting on them, so no job is handed out twice.
 */
export async function claim(q: Queryable, opts: ClaimOptions): Promise<Job[]> {
  if (opts.kinds.length === 0 || opts.limit < 1) return [];
  const { rows } = await q.query<JobRow>(
    // The CTE is evaluated once: the rows it locked are exactly the rows updated.
    `WITH next AS (
       SELECT id FROM jobs
       WHERE kind = ANY($3::text[])
         AND ((status = 'queued' AND run_at <= now())
           OR (status = 'running' AND locked_until < now()))
       ORDER BY run_at, id
       LIMIT $4
       FOR UPDATE SKIP LOCKED
     )
     UPDATE jobs AS j SET
       status = 'running',
       attempts = j.attempts + 1,
       locked_by = $1 || '/' || $5,
       locked_until = now() + $2::int * interval '1 millisecond',
       updated_at = now()
     FROM next
     WHERE j.id = next.id
     RETURNING ${COLUMNS.replace(/(\w+)/g, 'j.$1')}`,
    [
      opts.workerId,
      Math.trunc(opts.leaseMs),
      opts.kinds,
      opts.limit,
      randomBytes(6).toString('hex'),
    ],
  );
  return rows.map(toJob).sort((a, b) => a.runAt.getTime() - b.runAt.getTime());
}

/** Extends the lease. False when the lease (token from claim) is no longer current. */
export async function heartbeat(
  q: Queryable,
  jobId: string,
  lease: string,
  leaseMs: number,
): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE jobs SET locked_until = now() + $3::int * interval '1 millisecond', updated_at = now()
     WHERE id = $1 AND locked_by = $2 AND status = 'running'`,
    [jobId, lease, Math.trunc(leaseMs)],
  );
  return rowCount === 1;
}

/** Marks the job done. False when the lease is no longer current (nothing changed). */
export async function complete(q: Queryable, jobId: string, lease: string): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE jobs SET status = 'succeeded', locked_by = NULL, locked_until = NULL,
       last_error = NULL, updated_at = now(), finished_at = now()
     WHERE id = $1 AND locked_by = $2 AND status = 'running'`,
    [jobId, lease],
  );
  return rowCount === 1;
}

export type FailOutcome = 'retry' | 'failed' | 'lease_lost';

/**
 * Records a failed attempt: back to queued after `retryInMs` while attempts remain, else
 * failed for good (or at once when `final`, e.g. an error no retry can fix).
 */
export async function fail(
  q: Queryable,
  job: Pick<Job, 'id' | 'attempts' | 'maxAttempts'>,
  lease: string,
  error: string,
  opts: { retryInMs: number; final?: boolean },
): Promise<FailOutcome> {
  const giveUp = opts.final === true || job.attempts >= job.maxAttempts;
  const { rowCount } = giveUp
    ? await q.query(
        `UPDATE jobs SET status = 'failed', locked_by = NULL, locked_until = NULL,
           last_error = $3, updated_at = now(), finished_at = now()
         WHERE id = $1 AND locked_by = $2 AND status = 'running'`,
        [job.id, lease, truncate(error)],
      )
    : await q.query(
        `UPDATE jobs SET status = 'queued', locked_by = NULL, locked_until = NULL,
           last_error = $3, updated_at = now(),
           run_at = now() + $4::int * interval '1 millisecond'
         WHERE id = $1 AND locked_by = $2 AND status = 'running'`,
        [job.id, lease, truncate(error), Math.trunc(opts.retryInMs)],
      );
  if (rowCount !== 1) return 'lease_lost';
  return giveUp ? 'failed' : 'retry';
}

function truncate(s: string): string {
  return s.length > 2000 ? `${s.slice(0, 2000)}…` : s;
}
