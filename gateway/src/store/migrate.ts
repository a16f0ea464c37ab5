import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

/**
 * Applies `gateway/migrations/NNN_name.sql` in order, each once, all in one transaction.
 * On real PostgreSQL several gateway processes may start together, so the whole run holds
 * an advisory lock (keyed by schema) and re-reads what is applied after taking it.
 */
export async function migrate(db: Db, schema: string | undefined, dir = MIGRATIONS_DIR) {
  const files = (await readdir(dir)).filter((f) => /^\d+_[\w-]+\.sql$/.test(f)).sort();
  const applied: string[] = [];
  await db.transaction(async (tx) => {
    if (db.kind === 'postgres') {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
        `gatehouse-gateway-migrate:${schema ?? 'public'}`,
      ]);
      if (schema) await tx.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    }
    await tx.exec(`CREATE TABLE IF NOT EXISTS gateway_migrations (
      version text PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Set(
      (await tx.query<{ version: string }>('SELECT version FROM gateway_migrations')).rows.map(
        (r) => r.version,
      ),
    );
    for (const file of files) {
      if (done.has(file)) continue;
      await tx.exec(await readFile(`${dir}/${file}`, 'utf8'));
      await tx.query('INSERT INTO gateway_migrations (version) VALUES ($1)', [file]);
      applied.push(file);
    }
  });
  return applied;
}
