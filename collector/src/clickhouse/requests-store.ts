/**
 * Writes to the raw `requests` table. The rollups are fed by materialized views on every
 * insert, so a row inserted twice would be counted twice there: `insertBatches` first drops rows
 * whose request_id is already stored (one writer per collector serialises check and insert).
 * Raw rows are also protected by the table itself (ReplacingMergeTree keyed on request_id).
 */
import type { RequestEvent } from '@gatehouse/shared';
import type { ClickHouse } from './client.js';
import { dateTime, databaseIdent, strList } from './escape.js';

/** The row as stored: booleans as UInt8, plus the second-precision `ts` used for partitioning. */
export interface RequestRow {
  ts: string;
  ts_ms: number;
  request_id: string;
  trace_id: string;
  instance: string;
  customer_id: string;
  key_id: string;
  auth_method: string;
  method: string;
  route: string;
  path: string;
  status: number;
  error_code: string;
  latency_ms: number;
  upstream_latency_ms: number;
  bytes_in: number;
  bytes_out: number;
  client_ip: string;
  user_agent: string;
  rate_limited: number;
  idempotency_key: number;
  idempotent_replayed: number;
}

export function fromRow(r: Omit<RequestRow, 'ts'>): RequestEvent {
  return {
    request_id: r.request_id,
    trace_id: r.trace_id,
    ts_ms: Number(r.ts_ms),
    instance: r.instance,
    customer_id: r.customer_id,
    key_id: r.key_id,
    auth_method: r.auth_method as RequestEvent['auth_method'],
    method: r.method,
    route: r.route,
    path: r.path,
    status: Number(r.status),
    error_code: r.error_code,
    latency_ms: Number(r.latency_ms),
    upstream_latency_ms: Number(r.upstream_latency_ms),
    bytes_in: Number(r.bytes_in),
    bytes_out: Number(r.bytes_out),
    client_ip: r.client_ip,
    user_agent: r.user_agent,
    rate_limited: Number(r.rate_limited) === 1,
    idempotency_key: Number(r.idempotency_key) === 1,
    idempotent_replayed: Number(r.idempotent_replayed) === 1,
  };
}

/** Ids per existence query: keeps the SQL text a few hundred KB at most. */
const ID_CHUNK = 5000;

/**
 * The events of one ingest request, ready for ClickHouse: parallel arrays rather than an object
 * per event, so a queued batch holds two strings per row and little for the GC to trace.
 */
export interface EncodedEvents {
  ids: string[];
  /** One JSONEachRow line per event (no trailing newline), see `encodeEvent`. */
  lines: string[];
  minTsMs: number;
  maxTsMs: number;
}

/**
 * The JSONEachRow line ClickHouse stores for `e`: the event's own JSON plus the second-precision
 * `ts`. JSON.stringify of a validated event is canonical in every way ClickHouse 18.16 insists on
 * (integers as plain digits, no duplicate keys); booleans go in as `true`/`false`, which UInt8
 * columns accept, and `ts` as epoch seconds, which DateTime accepts. ClickHouse refuses a lone
 * surrogate (`"\ud800"`, which JSON.stringify writes for one), so strings get U+FFFD in its place,
 * exactly what writing them as UTF-8 gives; `knownWellFormed` skips that check when the caller
 * knows there is none (only a `\u` escape in the sender's JSON can produce one).
 */
export function encodeEvent(e: RequestEvent, knownWellFormed = false): string {
  const json = knownWellFormed ? JSON.stringify(e) : JSON.stringify(e, toWellFormed);
  return `{"ts":${Math.floor(e.ts_ms / 1000)},${json.slice(1)}`;
}

// ES2024 (Node 20 has it; the project's TypeScript lib stops at ES2023).
type WellFormable = string & { toWellFormed(): string };

function toWellFormed(_key: string, value: unknown): unknown {
  return typeof value === 'string' ? (value as WellFormable).toWellFormed() : value;
}

export function encodeEvents(events: readonly RequestEvent[]): EncodedEvents {
  const out: EncodedEvents = {
    ids: [],
    lines: [],
    minTsMs: Number.POSITIVE_INFINITY,
    maxTsMs: 0,
  };
  for (const e of events) addEncoded(out, e, encodeEvent(e));
  return out;
}

export function addEncoded(out: EncodedEvents, e: RequestEvent, line: string): void {
  out.ids.push(e.request_id);
  out.lines.push(line);
  if (e.ts_ms < out.minTsMs) out.minTsMs = e.ts_ms;
  if (e.ts_ms > out.maxTsMs) out.maxTsMs = e.ts_ms;
}

export interface RequestsStore {
  /** Ids among `ids` already stored, looked up between `minTsMs` and `maxTsMs` only. */
  existingIds(ids: readonly string[], minTsMs: number, maxTsMs: number): Promise<Set<string>>;
  /**
   * Inserts, in one ClickHouse insert, the events of `batches` not stored yet, each id once
   * (the first batch carrying it gets it); returns how many of each batch's events were
   * inserted now (the rest are duplicates). `mayBeStored[i]` says whether batch i can already be
   * in ClickHouse (a retried batch): only those pay for the lookup, which costs about as much as
   * the insert. Nothing is inserted when it rejects.
   */
  insertBatches(
    batches: readonly EncodedEvents[],
    mayBeStored: readonly boolean[],
  ): Promise<number[]>;
  /** `insertBatches` for plain events, all looked up (tests, tools). */
  insertNew(events: readonly RequestEvent[]): Promise<{ inserted: number; duplicates: number }>;
}

export function createRequestsStore(ch: ClickHouse, database: string): RequestsStore {
  const table = `${databaseIdent(database)}.requests`;

  async function existingIds(
    ids: readonly string[],
    minTsMs: number,
    maxTsMs: number,
  ): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      const chunk = ids.slice(i, i + ID_CHUNK);
      const rows = await ch.query<{ request_id: string }>(
        `SELECT request_id FROM ${table}
         WHERE ts >= ${dateTime(minTsMs)} AND ts <= ${dateTime(maxTsMs)} AND request_id IN ${strList(chunk)}`,
        { max_query_size: 64 * 1024 * 1024 },
      );
      for (const r of rows) found.add(r.request_id);
    }
    return found;
  }

  async function insertBatches(
    batches: readonly EncodedEvents[],
    mayBeStored: readonly boolean[],
  ): Promise<number[]> {
    const lookup = new Set<string>();
    let min = Number.POSITIVE_INFINITY;
    let max = 0;
    batches.forEach((b, i) => {
      if (!mayBeStored[i] || b.ids.length === 0) return;
      for (const id of b.ids) lookup.add(id);
      if (b.minTsMs < min) min = b.minTsMs;
      if (b.maxTsMs > max) max = b.maxTsMs;
    });
    const stored = lookup.size > 0 ? await existingIds([...lookup], min, max) : new Set<string>();
    // Each batch's rows as one text chunk; a batch with duplicates keeps only its new rows.
    const seen = new Set<string>();
    const chunks: string[][] = [];
    const accepted = batches.map((b) => {
      const { ids, lines } = b;
      let keep: string[] | undefined;
      for (let j = 0; j < ids.length; j++) {
        const id = ids[j]!;
        if (seen.has(id) || stored.has(id)) {
          keep ??= lines.slice(0, j);
          continue;
        }
        seen.add(id);
        keep?.push(lines[j]!);
      }
      const rows = keep ?? lines;
      if (rows.length > 0) chunks.push(rows);
      return rows.length;
    });
    if (chunks.length > 0) await ch.insertLines(table, chunks);
    return accepted;
  }

  return {
    existingIds,
    insertBatches,
    async insertNew(events) {
      const [inserted = 0] = await insertBatches([encodeEvents(events)], [true]);
      return { inserted, duplicates: events.length - inserted };
    },
  };
}
