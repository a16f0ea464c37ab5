import { randomBytes } from 'node:crypto';
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import pg from 'pg';

/**
 * The one database seam of the api: a `pg` pool against PostgreSQL when a URL is given,
 * otherwise PGlite (PostgreSQL compiled to WebAssembly, in-process). The SQL, the
 * migrations and the row values are the same on both, so the rest of the code never asks
 * which one it has.
 *
 * Row values are normalised to one shape on both engines: `int8` → number (counts and
 * cents fit in 2^53), `numeric` → string, `date` → `YYYY-MM-DD` string, `timestamptz` →
 * `Date`, `json`/`jsonb` → parsed value.
 */

export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface Queryable {
  /**
   * Runs one statement with `$1…` parameters. Without parameters the statement text may
   * hold several statements separated by `;` (simple protocol, as `pg` does); the rows of
   * the last one are returned.
   */
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>>;
}

export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** BEGIN … COMMIT, ROLLBACK on throw. On PGlite transactions are serialised. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Server-side cursor: yields batches of at most `batchSize` rows, constant memory.
   * Stopping the iteration early (break/return/throw) closes the cursor.
   * On PGlite the cursor holds the single connection while it is iterated, so other
   * queries wait until the consumer finishes: keep the consumer moving.
   */
  cursor<R = Record<string, unknown>>(
    sql: string,
    params: unknown[],
    batchSize: number,
  ): AsyncIterable<R[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** DATABASE_URL → pg Pool; else PGlite. */
  url?: string;
  /** PGlite directory; undefined → in-memory PGlite. Ignored when `url` is set. */
  dataDir?: string;
  /**
   * PGlite only: start from this dump (see createPgliteSnapshot) instead of an empty
   * cluster. Tests use a migrated template: much faster than initdb and migrations each time.
   */
  pgliteSnapshot?: Blob;
  /** Isolate everything in this schema (created if missing; search_path on every connection). */
  schema?: string;
  /** Pool size (pg). Default 10. */
  poolSize?: number;
  /** Per-statement timeout in ms (pg; PGlite cannot interrupt a running statement). Default 5000. */
  statementTimeoutMs?: number;
  /** How long to wait for a pooled connection before failing (pg). Default 5000. */
  connectionTimeoutMs?: number;
  /**
   * A cursor whose consumer has not asked for the next batch for this long is closed and
   * the iteration fails: a stalled consumer (a client that stopped reading an export) must
   * not hold a connection, and on PGlite the whole database, forever. Default 30000.
   */
  cursorIdleTimeoutMs?: number;
  /** Errors raised by idle pooled connections (e.g. the server restarted). Default: ignored. */
  onIdleError?: (err: Error) => void;
}

export const DEFAULT_POOL_SIZE = 10;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 5000;
export const DEFAULT_CONNECTION_TIMEOUT_MS = 5000;
export const DEFAULT_CURSOR_IDLE_TIMEOUT_MS = 30_000;

/** The cursor's consumer stalled past cursorIdleTimeoutMs; the cursor was closed. */
export class CursorIdleError extends Error {
  override name = 'CursorIdleError';
  constructor(ms: number) {
    super(`cursor closed: its consumer did not read for ${ms} ms`);
  }
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

// Type OIDs (pg_type) whose text form we parse the same way on both engines.
const OID = { INT8: 20, DATE: 1082 } as const;

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.schema !== undefined && !SCHEMA_NAME.test(opts.schema)) {
    throw new Error(
      `database schema name must match ${SCHEMA_NAME} (got ${JSON.stringify(opts.schema)})`,
    );
  }
  return opts.url ? openPostgres(opts.url, opts) : openPglite(opts);
}

// ---------------------------------------------------------------------------------------
// PostgreSQL through a pg Pool

const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === OID.INT8) return (v: string) => Number(v);
    if (oid === OID.DATE) return (v: string) => v;
    // biome-ignore lint/suspicious/noExplicitAny: pg's overloads do not accept a union format
    return pg.types.getTypeParser(oid, format as any);
  },
};

async function openPostgres(url: string, opts: DatabaseOptions): Promise<Database> {
  const statementTimeoutMs = opts.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  if (opts.schema) {
    // Created before the pool exists so that every pooled connection can point at it.
    const admin = new pg.Client({
      connectionString: url,
      connectionTimeoutMillis: opts.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
    });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA IF NOT EXISTS ${opts.schema}`);
    } catch (err) {
      // Two processes creating the same schema at once: the loser sees a unique violation.
      if ((err as { code?: string }).code !== '23505') throw err;
    } finally {
      await admin.end();
    }
  }
  const settings = [`-c statement_timeout=${Math.max(0, Math.trunc(statementTimeoutMs))}`];
  if (opts.schema) settings.push(`-c search_path=${opts.schema}`);
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize ?? DEFAULT_POOL_SIZE,
    connectionTimeoutMillis: opts.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    options: settings.join(' '),
    types: pgTypes,
  });
  // Without a listener an idle connection dropped by the server would crash the process.
  pool.on('error', (err) => opts.onIdleError?.(err));

  const run = async <R>(
    client: pg.Pool | pg.PoolClient,
    sql: string,
    params?: unknown[],
  ): Promise<QueryResult<R>> => {
    const res = await client.query(sql, params && params.length > 0 ? params : undefined);
    // A multi-statement text yields one result per statement; keep the last, like PGlite.
    const last = (Array.isArray(res) ? res[res.length - 1] : res) as pg.QueryResult;
    const rows = (last?.rows ?? []) as R[];
    return { rows, rowCount: last?.rowCount ?? rows.length };
  };

  const cursorIdleMs = opts.cursorIdleTimeoutMs ?? DEFAULT_CURSOR_IDLE_TIMEOUT_MS;

  // A checked-out client has no error listener of the pool's; the server ending its session
  // between two queries (idle-in-transaction timeout, admin kill) would otherwise be an
  // unhandled 'error' event that takes the process down. Such a client is discarded.
  const checkout = async () => {
    const client = await pool.connect();
    let lost: Error | undefined;
    const onError = (err: Error) => {
      lost ??= err; // the first error says why; "connection terminated" follows
    };
    client.on('error', onError);
    return {
      client,
      lost: () => lost as (Error & { code?: string }) | undefined,
      release(broken?: Error) {
        client.removeListener('error', onError);
        client.release(broken ?? lost);
      },
    };
  };

  let closed = false;
  return {
    kind: 'postgres',
    query: (sql, params) => run(pool, sql, params),
    async transaction(fn) {
      const { client, release } = await checkout();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        try {
          const result = await fn({ query: (sql, params) => run(client, sql, params) });
          await client.query('COMMIT');
          return result;
        } catch (err) {
          await client.query('ROLLBACK').catch((rollbackErr: Error) => {
            broken = rollbackErr;
          });
          throw err;
        }
      } finally {
        // A connection whose ROLLBACK failed is in an unknown state: discard it.
        release(broken);
      }
    },
    async *cursor<R>(sql: string, params: unknown[], batchSize: number) {
      const { client, release, lost } = await checkout();
      const name = cursorName();
      let broken: Error | undefined;
      let done = false;
      try {
        await client.query('BEGIN');
        // The server ends the session if the consumer stalls between two FETCHes.
        await client.query(
          `SET LOCAL idle_in_transaction_session_timeout = ${Math.max(1, Math.trunc(cursorIdleMs))}`,
        );
        await client.query(`DECLARE ${name} NO SCROLL CURSOR FOR ${sql}`, params);
        let pausedAt = 0;
        for (;;) {
          const res = await client
            .query(`FETCH FORWARD ${fetchSize(batchSize)} FROM ${name}`)
            .catch((err: { code?: string }) => {
              // idle_in_transaction_session_timeout ended the session: the server's 25P03
              // arrives as an error event on the idle client (if it was read yet), and the
              // FETCH finds the connection closed.
              const idle =
                err.code === '25P03' ||
                lost()?.code === '25P03' ||
                (err.code === undefined && pausedAt > 0 && Date.now() - pausedAt >= cursorIdleMs);
              throw idle ? new CursorIdleError(cursorIdleMs) : err;
            });
          if (res.rows.length === 0) break;
          pausedAt = Date.now();
          yield res.rows as R[];
          if (res.rows.length < batchSize) break;
        }
        await client.query('COMMIT');
        done = true;
      } finally {
        if (!done) {
          await client.query('ROLLBACK').catch((err: Error) => {
            broken = err;
          });
        }
        release(broken);
      }
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

// ---------------------------------------------------------------------------------------
// PGlite (embedded)

/**
 * Runs `prepare` (e.g. migrate) on a fresh in-memory PGlite and returns a dump of its data
 * directory, to be passed as `pgliteSnapshot`.
 */
export async function createPgliteSnapshot(
  prepare: (db: Database) => Promise<void>,
): Promise<Blob> {
  const pglite = await PGlite.create(undefined, { parsers: pgliteParsers });
  const db = wrapPglite(pglite);
  try {
    await prepare(db);
    return await pglite.dumpDataDir('none');
  } finally {
    await db.close();
  }
}

const pgliteParsers = {
  [pgliteTypes.INT8]: (v: string) => Number(v),
  [pgliteTypes.DATE]: (v: string) => v,
};

async function openPglite(opts: DatabaseOptions): Promise<Database> {
  const pglite = await PGlite.create(opts.dataDir, {
    parsers: pgliteParsers,
    ...(opts.pgliteSnapshot ? { loadDataDir: opts.pgliteSnapshot } : {}),
  });
  if (opts.schema) {
    await pglite.exec(
      `CREATE SCHEMA IF NOT EXISTS ${opts.schema}; SET search_path TO ${opts.schema}`,
    );
  }
  return wrapPglite(pglite, opts.cursorIdleTimeoutMs ?? DEFAULT_CURSOR_IDLE_TIMEOUT_MS);
}

function wrapPglite(db: PGlite, cursorIdleMs = DEFAULT_CURSOR_IDLE_TIMEOUT_MS): Database {
  type Runner = Pick<PGlite, 'query' | 'exec'>;
  const run = async <R>(on: Runner, sql: string, params?: unknown[]): Promise<QueryResult<R>> => {
    if (params && params.length > 0) {
      const res = await on.query<R>(sql, params);
      return { rows: res.rows, rowCount: res.affectedRows || res.rows.length };
    }
    // Simple protocol, like pg without parameters: several statements allowed.
    const all = await on.exec(sql);
    const last = all[all.length - 1];
    const rows = (last?.rows ?? []) as R[];
    return { rows, rowCount: last?.affectedRows || rows.length };
  };

  let closed = false;
  return {
    kind: 'pglite',
    query: (sql, params) => run(db, sql, params),
    transaction: (fn) =>
      db.transaction((tx) => fn({ query: (sql, params) => run(tx, sql, params) })),
    async *cursor<R>(sql: string, params: unknown[], batchSize: number) {
      // PGlite has one connection; a cursor lives inside a transaction, and the transaction
      // mutex is held until the generator finishes. A generator cannot yield from inside
      // db.transaction's callback, so the callback is driven as a producer feeding batches
      // through a one-slot hand-off that waits for the consumer (backpressure).
      const name = cursorName();
      let wake: (() => void) | undefined;
      let slot: { rows: R[] } | undefined;
      let finished = false;
      let failure: unknown;
      let stop = false;
      let consumed: (() => void) | undefined;
      const notify = () => {
        const w = wake;
        wake = undefined;
        w?.();
      };
      const producer = db
        .transaction(async (tx) => {
          await tx.query(`DECLARE ${name} NO SCROLL CURSOR FOR ${sql}`, params);
          for (;;) {
            if (stop) return;
            const res = await tx.query<R>(`FETCH FORWARD ${fetchSize(batchSize)} FROM ${name}`);
            if (res.rows.length === 0) return;
            let idle: NodeJS.Timeout | undefined;
            await new Promise<void>((resolve, reject) => {
              consumed = resolve;
              slot = { rows: res.rows };
              notify();
              // Rejecting rolls the transaction back and frees the database for others.
              idle = setTimeout(() => reject(new CursorIdleError(cursorIdleMs)), cursorIdleMs);
            }).finally(() => clearTimeout(idle));
            if (res.rows.length < batchSize) return;
          }
        })
        .catch((err: unknown) => {
          failure = err;
        })
        .finally(() => {
          finished = true;
          notify();
        });
      try {
        for (;;) {
          if (!slot && !finished) await new Promise<void>((resolve) => (wake = resolve));
          if (slot) {
            const batch = slot.rows;
            slot = undefined;
            yield batch;
            const c = consumed;
            consumed = undefined;
            c?.();
            continue;
          }
          if (finished) break;
        }
        if (failure) throw failure;
      } finally {
        stop = true;
        const c = consumed;
        consumed = undefined;
        c?.();
        await producer;
      }
    },
    async ping() {
      await db.query('SELECT 1');
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.close();
    },
  };
}

function cursorName(): string {
  return `gh_cursor_${randomBytes(6).toString('hex')}`;
}

function fetchSize(batchSize: number): number {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`cursor batchSize must be a positive integer (got ${batchSize})`);
  }
  return batchSize;
}
