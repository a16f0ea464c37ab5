/**
 * The alert rules store's database seam: a `pg` pool when `DATABASE_URL` is set, otherwise
 * PGlite (real PostgreSQL in-process, on disk under the data dir or in memory). Same SQL and
 * migrations on both. Everything lives in one schema (default `collector_alerts`) so the
 * collector can share a database with the api without touching its tables.
 */
import { mkdir } from 'node:fs/promises';
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import pg from 'pg';

export interface AlertsDb {
  readonly kind: 'postgres' | 'pglite';
  readonly schema: string;
  /** Connection string (postgres only): the leader lease opens its own session with it. */
  readonly url: string | undefined;
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** BEGIN … COMMIT on one connection; ROLLBACK on throw. */
  transaction<T>(fn: (q: AlertsDb['query']) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface AlertsDbOptions {
  url?: string | undefined;
  /** PGlite directory; undefined → in memory. Ignored with `url`. */
  dataDir?: string | undefined;
  schema: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const INT8 = 20;

export async function openAlertsDb(opts: AlertsDbOptions): Promise<AlertsDb> {
  if (!SCHEMA_NAME.test(opts.schema))
    throw new Error(`alerts schema name must match ${SCHEMA_NAME}: ${JSON.stringify(opts.schema)}`);
  return opts.url ? openPostgres(opts.url, opts.schema) : openPglite(opts.dataDir, opts.schema);
}

async function openPostgres(url: string, schema: string): Promise<AlertsDb> {
  const admin = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  } catch (err) {
    // Two collectors creating the schema at once: the loser sees a unique violation.
    if ((err as { code?: string }).code !== '23505') throw err;
  } finally {
    await admin.end();
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: 4,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    options: `-c search_path=${schema} -c statement_timeout=10000`,
    types: {
      getTypeParser(oid: number, format?: 'text' | 'binary') {
        if (oid === INT8) return (v: string) => Number(v);
        // biome-ignore lint/suspicious/noExplicitAny: pg's overloads do not accept a union format
        return pg.types.getTypeParser(oid, format as any);
      },
    },
  });
  // An idle connection dropped by the server must not crash the process.
  pool.on('error', () => {});
  const run =
    (c: pg.Pool | pg.PoolClient) =>
    async <R>(sql: string, params?: unknown[]): Promise<R[]> =>
      (await c.query(sql, params)).rows as R[];
  return {
    kind: 'postgres',
    schema,
    url,
    query: run(pool),
    async transaction(fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        try {
          const out = await fn(run(client));
          await client.query('COMMIT');
          return out;
        } catch (err) {
          await client.query('ROLLBACK').catch((e: Error) => {
            broken = e;
          });
          throw err;
        }
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}

async function openPglite(dataDir: string | undefined, schema: string): Promise<AlertsDb> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir, {
    parsers: { [pgliteTypes.INT8]: (v: string) => Number(v) },
  });
  await db.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema}`);
  let closed = false;
  return {
    kind: 'pglite',
    schema,
    url: undefined,
    async query<R>(sql: string, params?: unknown[]) {
      return (await db.query<R>(sql, params)).rows;
    },
    transaction: (fn) =>
      db.transaction((tx) =>
        fn(async <R>(sql: string, params?: unknown[]) => (await tx.query<R>(sql, params)).rows),
      ),
    async close() {
      if (closed) return;
      closed = true;
      await db.close();
    },
  };
}
