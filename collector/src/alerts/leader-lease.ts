/**
 * Exactly one collector evaluates alerts. On PostgreSQL the leader holds a session-level
 * advisory lock on a dedicated connection: when its process dies or its connection drops,
 * PostgreSQL releases the lock and the next collector to try takes over. The lock key is
 * derived from the schema, so separate deployments (and test files) sharing a server do not
 * block each other. On PGlite there is one process by construction: always the leader.
 */
import pg from 'pg';
import type { AlertsDb } from './alerts-db.js';

export interface LeaderLease {
  /** True when this process holds the lease now (takes it if free). */
  tryAcquire(): Promise<boolean>;
  release(): Promise<void>;
}

export function createLeaderLease(db: AlertsDb): LeaderLease {
  if (db.kind === 'pglite' || !db.url)
    return { tryAcquire: async () => true, release: async () => {} };
  const url = db.url;
  const key = `gatehouse:${db.schema}:alert-evaluator`;
  let client: pg.Client | undefined;
  let held = false;

  const drop = () => {
    const c = client;
    client = undefined;
    held = false;
    c?.end().catch(() => {});
  };

  return {
    async tryAcquire() {
      try {
        if (!client) {
          const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
          // A dropped session loses the lock: forget it and reconnect on the next try.
          c.on('error', () => {
            if (client === c) drop();
          });
          await c.connect();
          client = c;
        }
        if (held) {
          // Proves the session (and so the lock) is still alive.
          await client.query('SELECT 1');
          return true;
        }
        const res = await client.query<{ ok: boolean }>(
          'SELECT pg_try_advisory_lock(hashtext($1)) AS ok',
          [key],
        );
        held = res.rows[0]?.ok === true;
        return held;
      } catch {
        drop();
        return false;
      }
    },
    async release() {
      const c = client;
      const wasHeld = held;
      client = undefined;
      held = false;
      // Unlock explicitly so the lock is free when this resolves (ending the session frees it
      // too, but the server may finish the backend a moment after the client has closed).
      if (c && wasHeld)
        await c.query('SELECT pg_advisory_unlock(hashtext($1))', [key]).catch(() => {});
      await c?.end().catch(() => {});
    },
  };
}
