import { randomBytes } from 'node:crypto';
import {
  createPgliteSnapshot,
  type Database,
  type DatabaseOptions,
  openDatabase,
} from './database.js';
import { migrate } from './migrate.js';

/**
 * Test helper: both engines the api runs on, so every integration test runs on each.
 *
 *   describe.each(testDatabases())('orders on $name', ({ open }) => { … })
 *
 * `open()` gives a fresh, migrated database: an in-memory PGlite, or a pg pool confined to a
 * new PostgreSQL schema that `close()` drops. Test files therefore never see each other's
 * rows and can run in parallel.
 */

/** The PostgreSQL every integration test uses (CONTRIBUTING.md). */
export const TEST_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface OpenTestDatabaseOptions
  extends Pick<
    DatabaseOptions,
    'poolSize' | 'statementTimeoutMs' | 'connectionTimeoutMs' | 'cursorIdleTimeoutMs'
  > {
  /** Apply api/migrations (default true). */
  migrate?: boolean;
  /** Reuse this schema instead of a new one (several pools on one schema); not dropped on close. */
  schema?: string;
}

export interface TestDatabaseKind {
  name: 'pglite' | 'postgres';
  open(opts?: OpenTestDatabaseOptions): Promise<Database>;
}

export function testDatabases(): TestDatabaseKind[] {
  return [
    { name: 'pglite', open: openTestPglite },
    { name: 'postgres', open: openTestPostgres },
  ];
}

export function uniqueSchemaName(): string {
  return `t_${Date.now().toString(36)}_${randomBytes(5).toString('hex')}`;
}

// One empty and one migrated PGlite template per test process: loading a dump takes about
// a second, initdb plus migrations several (more on a loaded machine).
const templates = new Map<'empty' | 'migrated', Promise<Blob>>();

function pgliteTemplate(kind: 'empty' | 'migrated'): Promise<Blob> {
  let t = templates.get(kind);
  if (!t) {
    t = createPgliteSnapshot(async (db) => {
      if (kind === 'migrated') await migrate(db);
    });
    // A failed template must not poison every later open.
    t.catch(() => templates.delete(kind));
    templates.set(kind, t);
  }
  return t;
}

export async function openTestPglite(opts: OpenTestDatabaseOptions = {}): Promise<Database> {
  const migrated = opts.migrate !== false;
  const snapshot = await pgliteTemplate(migrated && !opts.schema ? 'migrated' : 'empty');
  const db = await openDatabase({ ...opts, pgliteSnapshot: snapshot });
  // In a named schema the migrations are not in the template: apply them there.
  if (migrated && opts.schema) await migrate(db);
  return db;
}

export async function openTestPostgres(opts: OpenTestDatabaseOptions = {}): Promise<Database> {
  const owned = opts.schema === undefined;
  const schema = opts.schema ?? uniqueSchemaName();
  const db = await openDatabase({ poolSize: 5, ...opts, url: TEST_POSTGRES_URL, schema });
  try {
    if (opts.migrate !== false) await migrate(db);
  } catch (err) {
    await dropAndClose(db, schema);
    throw err;
  }
  if (!owned) return db;
  let closing: Promise<void> | undefined;
  return {
    ...db,
    kind: db.kind,
    close: () => {
      closing ??= dropAndClose(db, schema);
      return closing;
    },
  };
}

async function dropAndClose(db: Database, schema: string): Promise<void> {
  try {
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await db.close();
  }
}
