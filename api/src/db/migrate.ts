import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.js';

/** `api/migrations`, next to `src/`. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

// Files are `NNNN_name.sql`; the version is the whole file name without `.sql`, and files
// apply in lexical order, so the zero-padded number decides the order.
const MIGRATION_FILE = /^(\d{4})_[a-z0-9_]+\.sql$/;

export interface Migration {
  version: string;
  sql: string;
}

export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.sql')).sort();
  const seen = new Set<string>();
  const out: Migration[] = [];
  for (const name of names) {
    const m = MIGRATION_FILE.exec(name);
    if (!m) throw new Error(`migration file name must look like 0001_name.sql: ${name}`);
    const number = m[1]!;
    if (seen.has(number)) throw new Error(`two migrations share the number ${number}`);
    seen.add(number);
    out.push({
      version: name.slice(0, -'.sql'.length),
      sql: await readFile(join(dir, name), 'utf8'),
    });
  }
  return out;
}

/**
 * Applies every migration not yet recorded in `schema_migrations`, in order, each in its own
 * transaction together with its record. A transaction-scoped advisory lock (keyed by the
 * current schema, so isolated test schemas do not wait on each other) makes concurrent
 * starts of several api processes safe: the second waits, then finds nothing to do.
 * Returns the versions it applied.
 */
export async function migrate(
  db: Database,
  opts: { dir?: string; migrations?: Migration[] } = {},
): Promise<string[]> {
  const migrations = opts.migrations ?? (await loadMigrations(opts.dir));
  const applied: string[] = [];
  for (const m of migrations) {
    const did = await db.transaction(async (tx) => {
      // The pool's statement timeout is for requests: a migration (an index on a big table)
      // and the wait for another process's migration may both take longer.
      await tx.query('SET LOCAL statement_timeout = 0');
      await tx.query(
        `SELECT pg_advisory_xact_lock(hashtext('gatehouse.migrate.' || current_schema()))`,
      );
      await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version text PRIMARY KEY,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const done = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [
        m.version,
      ]);
      if (done.rows.length > 0) return false;
      await tx.query(m.sql);
      await tx.query('INSERT INTO schema_migrations (version) VALUES ($1)', [m.version]);
      return true;
    });
    if (did) applied.push(m.version);
  }
  return applied;
}
