import { ApiError } from '@gatehouse/shared';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../db/database.js';
import { testDatabases } from '../db/test-databases.js';
import { getJob } from '../jobs/queue.js';
import { startReceiver, type TestReceiver } from '../jobs/test-receiver.js';
import { waitFor } from '../jobs/wait-for.js';
import { verifySignature } from '../jobs/webhook.js';
import { startWorker, type Worker } from '../jobs/worker.js';
import { reportJobHandlers } from './jobs.js';
import { createReport, getReport, type Report } from './service.js';

const secret = 'whsec_reports_test';
const local = { allowPrivate: true, signingSecret: secret };
const strict = { allowPrivate: false, signingSecret: secret };

// The orders table belongs to migrations/0002_orders.sql; create it if that is absent.
const ORDERS_DDL = `CREATE TABLE IF NOT EXISTS orders (
  id text PRIMARY KEY, customer_id text NOT NULL, items jsonb NOT NULL, currency char(3) NOT NULL,
  notes text, status text NOT NULL, total_cents bigint NOT NULL, created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL, version int NOT NULL DEFAULT 1)`;

async function addOrder(
  db: Database,
  id: string,
  customer: string,
  at: string,
  cents: number,
  status = 'paid',
) {
  await db.query(
    `INSERT INTO orders (id, customer_id, items, currency, status, total_cents, created_at, updated_at)
     VALUES ($1, $2, '[]', 'EUR', $3, $4, $5, $5)`,
    [id, customer, status, cents, at],
  );
}

describe.each(testDatabases())('reports on $name', ({ open }) => {
  let db: Database;
  let worker: Worker | undefined;
  let rx: TestReceiver;
  beforeAll(async () => {
    db = await open();
    await db.query(ORDERS_DDL);
    await addOrder(db, 'ord_1', 'cus_a', '2026-03-01T00:00:00Z', 1000);
    await addOrder(db, 'ord_2', 'cus_a', '2026-03-01T23:59:59.999Z', 250);
    await addOrder(db, 'ord_3', 'cus_a', '2026-03-03T12:00:00Z', 4000);
    await addOrder(db, 'ord_4', 'cus_a', '2026-03-03T13:00:00Z', 999, 'cancelled');
    await addOrder(db, 'ord_5', 'cus_b', '2026-03-02T12:00:00Z', 7777);
    await addOrder(db, 'ord_6', 'cus_a', '2026-02-28T23:59:59Z', 5);
    await addOrder(db, 'ord_7', 'cus_a', '2026-03-04T00:00:00Z', 6);
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(async () => {
    rx = await startReceiver();
  });
  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
    await rx.close();
  });

  const run = (policy = local) => {
    worker = startWorker(db, {
      pollMs: 20,
      backoff: { baseMs: 10, maxMs: 40 },
      handlers: reportJobHandlers(policy),
    });
  };
  const settled = (customer: string, id: string) =>
    waitFor(`report ${id} to finish`, async () => {
      const r = await getReport(db, customer, id);
      return r && (r.status === 'succeeded' || r.status === 'failed') ? r : undefined;
    });

  it('queues a report and computes order totals per UTC day for that customer only', async () => {
    const created = await createReport(
      db,
      'cus_a',
      { from: '2026-03-01', to: '2026-03-03' },
      local,
    );
    expect(created).toMatchObject({
      status: 'queued',
      from: '2026-03-01',
      to: '2026-03-03',
      callback_url: null,
      result: null,
      error: null,
    });
    expect(created.id).toMatch(/^rep_/);
    expect(new Date(created.created_at).toISOString()).toBe(created.created_at);
    run();
    const done = await settled('cus_a', created.id);
    expect(done.status).toBe('succeeded');
    expect(done.result).toEqual({
      days: [
        { date: '2026-03-01', orders: 2, total_cents: 1250 },
        { date: '2026-03-02', orders: 0, total_cents: 0 },
        { date: '2026-03-03', orders: 1, total_cents: 4000 },
      ],
    });
  });

  it("hides another customer's report", async () => {
    const created = await createReport(
      db,
      'cus_a',
      { from: '2026-03-01', to: '2026-03-01' },
      local,
    );
    expect(await getReport(db, 'cus_b', created.id)).toBeNull();
    expect(await getReport(db, 'cus_a', 'rep_missing')).toBeNull();
    expect((await getReport(db, 'cus_a', created.id))?.id).toBe(created.id);
  });

  it('POSTs the finished report, signed, to the callback URL', async () => {
    const created = await createReport(
      db,
      'cus_b',
      { from: '2026-03-02', to: '2026-03-02', callback_url: `${rx.url}/hooks/report` },
      local,
    );
    expect(created.callback_url).toBe(`${rx.url}/hooks/report`);
    run();
    await waitFor('the callback', () => rx.received.length > 0);
    const hit = rx.received[0]!;
    expect(hit.url).toBe('/hooks/report');
    expect(verifySignature(secret, hit.headers['gatehouse-signature'] as string, hit.body)).toBe(
      true,
    );
    const payload = JSON.parse(hit.body) as { event: string; report: Report };
    expect(payload.event).toBe('report.succeeded');
    expect(payload.report).toMatchObject({
      id: created.id,
      status: 'succeeded',
      result: { days: [{ date: '2026-03-02', orders: 1, total_cents: 7777 }] },
    });
  });

  it('retries the callback with backoff, as job attempts, until the receiver accepts', async () => {
    rx.respond = (n) => ({ status: n < 2 ? 503 : 204 });
    const created = await createReport(
      db,
      'cus_a',
      { from: '2026-03-01', to: '2026-03-01', callback_url: `${rx.url}/flaky` },
      local,
    );
    run();
    await waitFor('three deliveries', () => rx.received.length >= 3);
    const deliveryId = rx.received[2]!.headers['gatehouse-delivery'] as string;
    // Same delivery id on every attempt: the receiver can deduplicate.
    expect(rx.received.map((r) => r.headers['gatehouse-delivery'])).toEqual([
      deliveryId,
      deliveryId,
      deliveryId,
    ]);
    const job = await waitFor('the callback job to succeed', async () => {
      const j = await getJob(db, deliveryId);
      return j?.status === 'succeeded' ? j : undefined;
    });
    expect(job.attempts).toBe(3);
    expect(job.kind).toBe('report.callback');
    expect((await getReport(db, 'cus_a', created.id))?.status).toBe('succeeded');
  });

  it('refuses a loopback callback at delivery when the policy changed since creation', async () => {
    const created = await createReport(
      db,
      'cus_a',
      { from: '2026-03-01', to: '2026-03-01', callback_url: `${rx.url}/late` },
      local,
    );
    run(strict);
    const done = await settled('cus_a', created.id);
    expect(done.status).toBe('succeeded');
    const callback = await waitFor('the callback job to fail', async () => {
      const { rows } = await db.query<{ status: string; attempts: number; last_error: string }>(
        `SELECT status, attempts, last_error FROM jobs
         WHERE kind = 'report.callback' AND payload->>'report_id' = $1`,
        [created.id],
      );
      return rows[0]?.status === 'failed' ? rows[0] : undefined;
    });
    // Refused once, for good: an address check does not improve with retries.
    expect(callback.attempts).toBe(1);
    expect(callback.last_error).toMatch(/refused at delivery/);
    expect(rx.received).toHaveLength(0);
  });

  describe('refuses callback URLs that reach private addresses, writing nothing', () => {
    it.each([
      'http://127.0.0.1:9/hook',
      'http://10.0.0.5/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]:9/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://localhost:9/hook',
    ])('%s', async (callback_url) => {
      const before = await db.query<{ n: number }>('SELECT count(*) AS n FROM reports');
      const jobsBefore = await db.query<{ n: number }>('SELECT count(*) AS n FROM jobs');
      const err = await createReport(
        db,
        'cus_a',
        { from: '2026-03-01', to: '2026-03-02', callback_url },
        strict,
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect(err).toMatchObject({
        code: 'callback_url_not_allowed',
        status: 422,
        field: 'callback_url',
      });
      expect((await db.query('SELECT count(*) AS n FROM reports')).rows).toEqual(before.rows);
      expect((await db.query('SELECT count(*) AS n FROM jobs')).rows).toEqual(jobsBefore.rows);
    });
  });

  it('refuses a callback when no signing secret is configured', async () => {
    await expect(
      createReport(
        db,
        'cus_a',
        { from: '2026-03-01', to: '2026-03-01', callback_url: 'http://127.0.0.1/x' },
        { allowPrivate: true, signingSecret: '' },
      ),
    ).rejects.toMatchObject({ code: 'callback_url_not_allowed' });
  });

  it.each([
    [{ from: '2026-03-05', to: '2026-03-01' }, 'to'],
    [{ from: '2026-02-30', to: '2026-03-01' }, 'from'],
    [{ from: '2026-03-01', to: '03/05/2026' }, 'to'],
    [{ from: '2000-01-01', to: '2026-01-01' }, 'to'],
  ])('refuses the range %o (field %s)', async (input, field) => {
    await expect(createReport(db, 'cus_a', input, local)).rejects.toMatchObject({
      code: 'validation_failed',
      status: 422,
      field,
    });
  });

  it('marks the report failed after its last attempt, and calls back with the failure', async () => {
    // Two orders whose sum overflows bigint: every attempt of the computation fails.
    await addOrder(db, 'ord_big1', 'cus_overflow', '2026-03-01T10:00:00Z', 9e18);
    await addOrder(db, 'ord_big2', 'cus_overflow', '2026-03-01T11:00:00Z', 9e18);
    const created = await createReport(
      db,
      'cus_overflow',
      { from: '2026-03-01', to: '2026-03-01', callback_url: `${rx.url}/failed` },
      local,
    );
    run();
    const history: string[] = [];
    const done = await waitFor('the report to fail', async () => {
      const r = await getReport(db, 'cus_overflow', created.id);
      if (r && history.at(-1) !== r.status) history.push(r.status);
      return r?.status === 'failed' ? r : undefined;
    });
    // Between attempts it waits as queued; it never reads as succeeded.
    expect(history).not.toContain('succeeded');
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/out of range/);
    expect(done.result).toBeNull();
    const { rows } = await db.query<{ attempts: number }>(
      'SELECT j.attempts FROM jobs j JOIN reports r ON r.job_id = j.id WHERE r.id = $1',
      [created.id],
    );
    expect(rows).toEqual([{ attempts: 3 }]);
    await waitFor('the failure callback', () => rx.received.length > 0);
    const payload = JSON.parse(rx.received[0]!.body) as { event: string; report: Report };
    expect(payload.event).toBe('report.failed');
    expect(payload.report).toMatchObject({ id: created.id, status: 'failed' });
  });
});
