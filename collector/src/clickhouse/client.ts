/**
 * The only module importing `@clickhouse/client`. Everything else talks to ClickHouse through
 * this small facade, with SQL text built from `escape.ts`.
 *
 * 18.16 compatibility: HTTP interface, JSONEachRow for inserts and selects, no `query_params`.
 * 64-bit integers come back as JSON numbers (`output_format_json_quote_64bit_integers=0`);
 * counts stay far below 2^53.
 */
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import {
  type ClickHouseClient,
  ClickHouseLogLevel,
  type ClickHouseSettings,
  createClient,
} from '@clickhouse/client';

export interface ClickHouseOptions {
  url: string;
  requestTimeoutMs?: number;
  maxOpenConnections?: number;
  /** Extra settings sent with every request (cluster mode: `insert_distributed_sync`). */
  settings?: ClickHouseSettings;
}

export interface ClickHouse {
  ping(): Promise<boolean>;
  /** DDL and other statements without a result. */
  command(sql: string, settings?: Record<string, string | number>): Promise<void>;
  /** A SELECT returning rows as plain objects. */
  query<T>(sql: string, settings?: Record<string, string | number>): Promise<T[]>;
  /**
   * Inserts JSONEachRow lines into `table` (already a quoted, allowlisted identifier) as one
   * streamed insert: ClickHouse parses while later chunks are still being encoded. Nothing is
   * stored when it rejects, as long as the rows fit one insert block (`max_insert_block_size`,
   * about a million rows), which the collector's batch size keeps them within.
   */
  insertLines(table: string, chunks: Iterable<readonly string[]>): Promise<void>;
  close(): Promise<void>;
}

/** Any failure talking to ClickHouse (unreachable, timeout, server error). */
export class ClickHouseError extends Error {
  override name = 'ClickHouseError';
}

async function wrap<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw new ClickHouseError(`ClickHouse ${what} failed: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

function* encodeChunks(chunks: Iterable<readonly string[]>): Generator<Buffer> {
  for (const lines of chunks) if (lines.length > 0) yield Buffer.from(`${lines.join('\n')}\n`);
}

export function createClickHouse(options: ClickHouseOptions): ClickHouse {
  const client: ClickHouseClient = createClient({
    url: options.url,
    request_timeout: options.requestTimeoutMs ?? 30_000,
    max_open_connections: options.maxOpenConnections ?? 10,
    compression: { request: false, response: true },
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0, ...options.settings },
    // Failures surface as rejected promises; the caller logs them once, in context.
    log: { level: ClickHouseLogLevel.OFF },
  });
  return {
    async ping() {
      const res = await client.ping();
      return res.success;
    },
    command: (sql, settings) =>
      wrap('command', async () => {
        await client.command({ query: sql, clickhouse_settings: settings });
      }),
    query: <T>(sql: string, settings?: Record<string, string | number>) =>
      wrap('query', async () => {
        const rs = await client.query({
          query: sql,
          format: 'JSONEachRow',
          clickhouse_settings: settings,
        });
        return (await rs.json()) as T[];
      }),
    insertLines: (table, chunks) =>
      wrap('insert', async () => {
        // exec, not insert: the client only streams raw bytes for text formats like TSV, and
        // these lines are JSON already.
        const res = await client.exec({
          query: `INSERT INTO ${table} FORMAT JSONEachRow`,
          values: Readable.from(encodeChunks(chunks), { objectMode: false }),
        });
        res.stream.resume(); // empty body; drain it so the socket goes back to the pool
        await finished(res.stream);
      }),
    close: () => client.close(),
  };
}
