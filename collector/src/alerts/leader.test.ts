/**
 * Two collectors share one PostgreSQL rules store: exactly one evaluates; when the leader
 * stops, or its database session dies, the other takes over on its next tick.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningCollector, startCollector } from '../app.js';
import type { AlertsConfig } from '../config.js';
import { createTestDatabase, type TestDatabase, testConfig } from '../testing.js';
import { openAlertsDb } from './alerts-db.js';
import { createLeaderLease } from './leader-lease.js';

const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
const schema = `alerts_leader_${randomBytes(5).toString('hex')}`;
const alerts: AlertsConfig = {
  databaseUrl: PG_URL,
  schema,
  evalIntervalMs: 15_000,
  webhookAllowPrivate: false,
  webhookTimeoutMs: 1000,
  webhookMaxAttempts: 1,
  webhookBackoffMs: 10,
  schedule: false,
};

let t: TestDatabase;
const running: RunningCollector[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
});

afterAll(async () => {
  for (const c of running) await c.close();
  await t?.drop();
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
});

it('a second collector takes over evaluation when the first stops', async () => {
  const first = await startCollector(testConfig(t, { alerts }), { retention: false });
  running.push(first);
  const second = await startCollector(testConfig(t, { alerts }), { retention: false });
  running.push(second);

  expect(await first.alerting!.runner.tick()).toBe(true);
  expect(await second.alerting!.runner.tick()).toBe(false);
  // Leadership is stable while the leader lives.
  expect(await first.alerting!.runner.tick()).toBe(true);
  expect(await second.alerting!.runner.tick()).toBe(false);

  await first.close();
  expect(await second.alerting!.runner.tick()).toBe(true);
  expect(second.alerting!.runner.isLeader()).toBe(true);
});

it('the lease passes on when the leader’s database session dies', async () => {
  const db = await openAlertsDb({ url: PG_URL, schema });
  const own = `${schema}_kill`;
  try {
    // A separate lock namespace from the collectors above: a lease on another schema name.
    const dbA = { ...db, schema: own };
    const la = createLeaderLease(dbA);
    const lb = createLeaderLease(dbA);
    expect(await la.tryAcquire()).toBe(true);
    expect(await lb.tryAcquire()).toBe(false);
    // Kill the holder's backend, as if its process or network died.
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    const killed = await admin.query(
      `SELECT pg_terminate_backend(l.pid) FROM pg_locks l
       WHERE l.locktype = 'advisory' AND l.granted
         AND l.objid = (hashtext($1)::bigint & 4294967295)::oid`,
      [`gatehouse:${own}:alert-evaluator`],
    );
    await admin.end();
    expect(killed.rowCount).toBe(1);
    // Poll until the server has finished the killed session.
    let taken = false;
    for (let i = 0; i < 150 && !taken; i++) {
      taken = await lb.tryAcquire();
      if (!taken) await new Promise((r) => setTimeout(r, 100));
    }
    expect(taken).toBe(true);
    // The old leader notices it lost the session and does not claim leadership.
    expect(await la.tryAcquire()).toBe(false);
    await la.release();
    await lb.release();
  } finally {
    await db.close();
  }
});
