import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/** The little of a PostgreSQL connection the store needs; real PostgreSQL and PGlite both fit. */
export interface Queryable {
  query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
  /** Several statements at once (migrations); no parameters. */
  exec(sql: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

export function assertSchemaName(schema: string): string {
  if (!SCHEMA_PATTERN.test(schema)) {
    throw new Error(`Invalid schema name "${schema}": use lower-case letters, digits and _.`);
  }
  return schema;
}

export interface OpenDbOptions {
  /** PostgreSQL connection string; wins over dataDir. */
  url?: string | undefined;
  /** Directory for the embedded database; in memory when absent. */
  pgliteDir?: string | undefined;
  /** Schema to keep every table in (tests use one per file); `public` by default. */
  schema?: string | undefined;
  /** Pool size for real PostgreSQL. */
  maxConnections?: number | undefined;
}

export async function openDb(options: OpenDbOptions): Promise<Db> {
  const schema = options.schema === undefined ? undefined : assertSchemaName(options.schema);
  if (options.url) return openPostgres(options.url, schema, options.maxConnections ?? 5);
  return openPglite(options.pgliteDir, schema);
}

function openPostgres(url: string, schema: string | undefined, max: number): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    // The schema is set per connection so every query, in or out of a transaction, sees it.
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: 15_000,
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const wrap = (client: pg.Pool | pg.PoolClient): Queryable => ({
    async query<R>(sql: string, params?: unknown[]) {
      const result = await client.query(sql, params);
      return { rows: result.rows as R[] };
    },
    async exec(sql: string) {
      await client.query(sql);
    },
  });
  const base = wrap(pool);
  return {
    kind: 'postgres',
    ...base,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

async function openPglite(dir: string | undefined, schema: string | undefined): Promise<Db> {
  if (dir) mkdirSync(dir, { recursive: true });
  const db = dir ? new PGlite(dir) : new PGlite();
  await db.waitReady;
  if (schema) {
    // PGlite is one connection, so setting the search path once holds for its whole life.
    await db.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema};`);
  }
  const wrap = (q: Pick<PGlite, 'query' | 'exec'>): Queryable => ({
    async query<R>(sql: string, params?: unknown[]) {
      const result = await q.query<R>(sql, params);
      return { rows: result.rows };
    },
    async exec(sql: string) {
      await q.exec(sql);
    },
  });
  return {
    kind: 'pglite',
    ...wrap(db),
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
    close: () => db.close(),
  };
}

/** Where the embedded gateway database lives inside `GATEHOUSE_DATA_DIR`. */
export function pgliteDirFor(dataDir: string): string {
  return join(dataDir, 'gateway-db');
}
