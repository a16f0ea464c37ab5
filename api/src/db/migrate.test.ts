import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from './migrate.js';
import { openTestPostgres, testDatabases, uniqueSchemaName } from './test-databases.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-migrations-'));
  await writeFile(
    join(dir, '0001_first.sql'),
    'CREATE TABLE a (x int);\nINSERT INTO a VALUES (1);',
  );
  await writeFile(join(dir, '0002_second.sql'), 'CREATE TABLE b (y int);');
  await writeFile(join(dir, 'README.md'), 'not a migration');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each(testDatabases())('migrate on $name', ({ open }) => {
  it('applies each file once, in order, and records it', async () => {
    const db = await open({ migrate: false });
    try {
      expect(await migrate(db, { dir })).toEqual(['0001_first', '0002_second']);
      expect(await migrate(db, { dir })).toEqual([]);
      const { rows } = await db.query('SELECT x FROM a');
      expect(rows).toEqual([{ x: 1 }]);
      const recorded = await db.query('SELECT version FROM schema_migrations ORDER BY version');
      expect(recorded.rows).toEqual([{ version: '0001_first' }, { version: '0002_second' }]);
    } finally {
      await db.close();
    }
  });

  it('applies only the new file when one is added later', async () => {
    const db = await open({ migrate: false });
    try {
      const all = await loadMigrations(dir);
      expect(await migrate(db, { migrations: all.slice(0, 1) })).toEqual(['0001_first']);
      expect(await migrate(db, { migrations: all })).toEqual(['0002_second']);
    } finally {
      await db.close();
    }
  });

  it('leaves no trace of a migration that fails, and keeps the ones before it', async () => {
    const db = await open({ migrate: false });
    try {
      const migrations = [
        { version: '0001_ok', sql: 'CREATE TABLE ok (x int)' },
        { version: '0002_bad', sql: 'CREATE TABLE half (x int); SELECT no_such_column FROM ok' },
      ];
      await expect(migrate(db, { migrations })).rejects.toMatchObject({ code: '42703' });
      const { rows } = await db.query(
        `SELECT table_name FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_name IN ('ok', 'half')`,
      );
      expect(rows).toEqual([{ table_name: 'ok' }]);
      const recorded = await db.query('SELECT version FROM schema_migrations');
      expect(recorded.rows).toEqual([{ version: '0001_ok' }]);
    } finally {
      await db.close();
    }
  });

  it("applies the project's own migrations", async () => {
    const db = await open();
    try {
      const { rows } = await db.query<{ version: string }>(
        'SELECT version FROM schema_migrations ORDER BY version',
      );
      expect(rows.map((r) => r.version)).toContain('0001_jobs');
      expect(await migrate(db)).toEqual([]);
    } finally {
      await db.close();
    }
  });
});

describe('migrate on postgres: concurrency', () => {
  it('lets several processes start at once and applies each migration exactly once', async () => {
    const schema = uniqueSchemaName();
    const dbs = await Promise.all(
      Array.from({ length: 4 }, () => openTestPostgres({ migrate: false, schema, poolSize: 2 })),
    );
    try {
      const results = await Promise.all(dbs.map((db) => migrate(db, { dir })));
      expect(results.flat().sort()).toEqual(['0001_first', '0002_second']);
      const { rows } = await dbs[0]!.query('SELECT count(*) AS n FROM a');
      expect(rows).toEqual([{ n: 1 }]);
    } finally {
      await dbs[0]!.query(`DROP SCHEMA ${schema} CASCADE`);
      await Promise.all(dbs.map((db) => db.close()));
    }
  });
});

describe('migrate on postgres: timeouts', () => {
  it('is not cut short by the pool statement timeout', async () => {
    const db = await openTestPostgres({ migrate: false, statementTimeoutMs: 50 });
    try {
      const migrations = [
        { version: '0001_slow', sql: 'SELECT pg_sleep(0.3); CREATE TABLE slow (x int)' },
      ];
      expect(await migrate(db, { migrations })).toEqual(['0001_slow']);
      // Requests still get the timeout.
      await expect(db.query('SELECT pg_sleep(1)')).rejects.toMatchObject({ code: '57014' });
    } finally {
      await db.close();
    }
  });
});

describe('loadMigrations', () => {
  it('refuses a file name without a four-digit number', async () => {
    const bad = await mkdtemp(join(tmpdir(), 'gatehouse-migrations-'));
    try {
      await writeFile(join(bad, '1_oops.sql'), 'SELECT 1');
      await expect(loadMigrations(bad)).rejects.toThrow(/0001_name\.sql/);
    } finally {
      await rm(bad, { recursive: true, force: true });
    }
  });

  it('refuses two files with the same number', async () => {
    const bad = await mkdtemp(join(tmpdir(), 'gatehouse-migrations-'));
    try {
      await writeFile(join(bad, '0001_a.sql'), 'SELECT 1');
      await writeFile(join(bad, '0001_b.sql'), 'SELECT 1');
      await expect(loadMigrations(bad)).rejects.toThrow(/share the number 0001/);
    } finally {
      await rm(bad, { recursive: true, force: true });
    }
  });
});
