import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from './database.js';
import { CursorIdleError, openDatabase } from './database.js';
import { waitFor } from '../jobs/wait-for.js';
import { migrate } from './migrate.js';
import {
  openTestPostgres,
  TEST_POSTGRES_URL,
  testDatabases,
  uniqueSchemaName,
} from './test-databases.js';

describe.each(testDatabases())('database on $name', ({ name, open }) => {
  let db: Database;
  beforeAll(async () => {
    db = await open({ migrate: false });
    await db.query('CREATE TABLE items (id int PRIMARY KEY, label text NOT NULL)');
  });
  afterAll(async () => {
    await db.close();
  });

  it('reports its kind', () => {
    expect(db.kind).toBe(name);
  });

  it('binds $n parameters and counts affected rows', async () => {
    const ins = await db.query('INSERT INTO items (id, label) VALUES ($1, $2), ($3, $4)', [
      1,
      'one',
      2,
      'two',
    ]);
    expect(ins.rowCount).toBe(2);
    const sel = await db.query<{ id: number; label: string }>(
      'SELECT id, label FROM items WHERE id = $1',
      [2],
    );
    expect(sel.rows).toEqual([{ id: 2, label: 'two' }]);
    expect(sel.rowCount).toBe(1);
    const upd = await db.query('UPDATE items SET label = $1 WHERE id = $2', ['x', 99]);
    expect(upd.rowCount).toBe(0);
  });

  it('gives row values the same shape on both engines', async () => {
    const { rows } = await db.query(
      `SELECT 9007199254740991::int8 AS big, count(*) AS n, '12.50'::numeric AS money,
              DATE '2026-03-01' AS day, TIMESTAMPTZ '2026-03-01T10:00:00Z' AS at,
              '{"a":[1,2]}'::jsonb AS doc, NULL::text AS nothing
       FROM (VALUES (1), (2)) v(x)`,
    );
    expect(rows[0]).toEqual({
      big: 9007199254740991,
      n: 2,
      money: '12.50',
      day: '2026-03-01',
      at: new Date('2026-03-01T10:00:00Z'),
      doc: { a: [1, 2] },
      nothing: null,
    });
  });

  it('runs several statements in one text when there are no parameters', async () => {
    const res = await db.query<{ b: number }>('SELECT 1 AS a; SELECT 2 AS b');
    expect(res.rows).toEqual([{ b: 2 }]);
  });

  it('commits a transaction that returns', async () => {
    const out = await db.transaction(async (tx) => {
      await tx.query('INSERT INTO items (id, label) VALUES ($1, $2)', [10, 'ten']);
      return 'ok';
    });
    expect(out).toBe('ok');
    const { rows } = await db.query('SELECT label FROM items WHERE id = 10');
    expect(rows).toEqual([{ label: 'ten' }]);
  });

  it('rolls back a transaction that throws, and rethrows', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO items (id, label) VALUES ($1, $2)', [11, 'eleven']);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const { rows } = await db.query('SELECT 1 FROM items WHERE id = 11');
    expect(rows).toEqual([]);
  });

  it('rolls back when a statement fails, exposing the SQLSTATE code', async () => {
    const err = await db
      .transaction(async (tx) => {
        await tx.query('INSERT INTO items (id, label) VALUES ($1, $2)', [12, 'twelve']);
        await tx.query('INSERT INTO items (id, label) VALUES ($1, $2)', [12, 'again']);
      })
      .catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('23505');
    const { rows } = await db.query('SELECT 1 FROM items WHERE id = 12');
    expect(rows).toEqual([]);
    // The engine is usable afterwards.
    await db.ping();
  });

  it('serialises concurrent transactions without losing updates', async () => {
    await db.query('CREATE TABLE counter (n int NOT NULL)');
    await db.query('INSERT INTO counter VALUES (0)');
    await Promise.all(
      Array.from({ length: 8 }, () =>
        db.transaction(async (tx) => {
          const { rows } = await tx.query<{ n: number }>('SELECT n FROM counter FOR UPDATE');
          await tx.query('UPDATE counter SET n = $1', [rows[0]!.n + 1]);
        }),
      ),
    );
    const { rows } = await db.query('SELECT n FROM counter');
    expect(rows).toEqual([{ n: 8 }]);
  });

  it('streams a query through a cursor in batches', async () => {
    const batches: number[][] = [];
    for await (const batch of db.cursor<{ g: number }>(
      'SELECT g FROM generate_series(1, $1::int) g ORDER BY g',
      [25],
      10,
    )) {
      batches.push(batch.map((r) => r.g));
    }
    expect(batches.map((b) => b.length)).toEqual([10, 10, 5]);
    expect(batches.flat()).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });

  it('yields nothing for an empty result', async () => {
    const batches: unknown[] = [];
    for await (const batch of db.cursor('SELECT 1 WHERE false', [], 10)) batches.push(batch);
    expect(batches).toEqual([]);
  });

  it('closes a cursor abandoned early and keeps working', async () => {
    let seen = 0;
    for await (const batch of db.cursor('SELECT g FROM generate_series(1, 1000) g', [], 7)) {
      seen += batch.length;
      if (seen >= 14) break;
    }
    expect(seen).toBe(14);
    // Other work proceeds (on PGlite this proves the connection was released).
    await db.transaction(async (tx) => tx.query('SELECT 1'));
    const again: number[] = [];
    for await (const batch of db.cursor<{ g: number }>(
      'SELECT g FROM generate_series(1, 3) g',
      [],
      2,
    )) {
      again.push(...batch.map((r) => r.g));
    }
    expect(again).toEqual([1, 2, 3]);
  });

  it('surfaces an error raised while the cursor runs', async () => {
    const run = async () => {
      for await (const _ of db.cursor('SELECT 1 / (g - 3) FROM generate_series(1, 5) g', [], 1)) {
        // consume
      }
    };
    await expect(run()).rejects.toMatchObject({ code: '22012' });
    await db.ping();
  });

  it('closes a cursor whose consumer stalls, freeing the connection, and fails the iteration', async () => {
    const stalled = await open({ migrate: false, cursorIdleTimeoutMs: 300 });
    try {
      const it = stalled
        .cursor<{ g: number }>('SELECT g FROM generate_series(1, 100) g', [], 13)
        [Symbol.asyncIterator]();
      const first = await it.next();
      expect(first.value).toHaveLength(13);
      // The consumer now stalls. On PGlite this query waits for the single connection,
      // which only the idle timeout gives back; on PostgreSQL the server ends the session.
      await stalled.query('SELECT 1');
      if (name === 'postgres') {
        await waitFor('the stalled cursor session to end', async () => {
          const { rows } = await stalled.query(
            `SELECT 1 FROM pg_stat_activity
             WHERE state = 'idle in transaction' AND query LIKE 'FETCH FORWARD 13 FROM gh_cursor_%'
               AND datname = current_database()`,
          );
          return rows.length === 0;
        });
      }
      await expect(it.next()).rejects.toBeInstanceOf(CursorIdleError);
      await stalled.ping();
    } finally {
      await stalled.close();
    }
  });

  it('answers ping, and refuses work after close', async () => {
    const other = await open({ migrate: false });
    await other.ping();
    await other.close();
    await other.close(); // idempotent
    await expect(other.ping()).rejects.toThrow();
  });
});

describe('database on postgres: pool settings', () => {
  it('cancels a statement that runs past statement_timeout', async () => {
    const db = await openTestPostgres({ migrate: false, statementTimeoutMs: 100 });
    try {
      await expect(db.query('SELECT pg_sleep(5)')).rejects.toMatchObject({ code: '57014' });
      await db.ping();
    } finally {
      await db.close();
    }
  });

  it('waits at most connectionTimeoutMs for a free connection when the pool is exhausted', async () => {
    const db = await openTestPostgres({ migrate: false, poolSize: 1, connectionTimeoutMs: 200 });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const isHeld = new Promise<void>((r) => (started = r));
    try {
      const holder = db.transaction(async () => {
        started();
        await held;
      });
      await isHeld;
      await expect(db.query('SELECT 1')).rejects.toThrow(/timeout/i);
      release();
      await holder;
      await db.ping();
    } finally {
      release();
      await db.close();
    }
  });

  it('confines each database to its own schema', async () => {
    const a = await openTestPostgres({ migrate: false });
    const b = await openTestPostgres({ migrate: false });
    try {
      await a.query('CREATE TABLE only_here (x int)');
      await expect(b.query('SELECT * FROM only_here')).rejects.toMatchObject({ code: '42P01' });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('drops the test schema on close', async () => {
    const schema = uniqueSchemaName();
    const db = await openTestPostgres({ migrate: false, schema });
    await db.close();
    const probe = await openDatabase({ url: TEST_POSTGRES_URL, poolSize: 1 });
    try {
      const { rows } = await probe.query(
        'SELECT 1 FROM information_schema.schemata WHERE schema_name = $1',
        [schema],
      );
      // A caller-named schema is the caller's to drop: it is kept.
      expect(rows.length).toBe(1);
      await probe.query(`DROP SCHEMA ${schema} CASCADE`);
      const owned = await openTestPostgres({ migrate: false });
      const { rows: current } = await owned.query<{ s: string }>('SELECT current_schema() AS s');
      await owned.close();
      const { rows: after } = await probe.query(
        'SELECT 1 FROM information_schema.schemata WHERE schema_name = $1',
        [current[0]!.s],
      );
      expect(after).toEqual([]);
    } finally {
      await probe.close();
    }
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await expect(
      openDatabase({ url: TEST_POSTGRES_URL, schema: 'x; DROP TABLE y' }),
    ).rejects.toThrow(/schema name/);
  });
});

describe('database on pglite: data directory', () => {
  it('keeps data in its directory across close and reopen', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gatehouse-pglite-'));
    try {
      const first = await openDatabase({ dataDir: dir });
      expect(await migrate(first)).toContain('0001_jobs');
      await first.query(`INSERT INTO signups (id, email, name) VALUES ('sgn_1', 'a@b.c', 'A')`);
      await first.close();

      const again = await openDatabase({ dataDir: dir });
      try {
        expect(await migrate(again)).toEqual([]);
        const { rows } = await again.query('SELECT id FROM signups');
        expect(rows).toEqual([{ id: 'sgn_1' }]);
      } finally {
        await again.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
