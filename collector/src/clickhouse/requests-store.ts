/**
 * Writes to the raw `requests` table. The rollups are fed by materialized views on every
 * insert, so a row inserted twice would be counted twice there: `insertNew` first drops rows
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

/** `YYYY-MM-DD hh:mm:ss` in UTC: what DateTime('UTC') parses on every server version. */
export function formatDateTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

export function toRow(e: RequestEvent): RequestRow {
  return {
    ts: formatDateTime(e.ts_ms),
    ts_ms: e.ts_ms,
    request_id: e.request_id,
    trace_id: e.trace_id,
    instance: e.instance,
    customer_id: e.customer_id,
    key_id: e.key_id,
    auth_method: e.auth_method,
    method: e.method,
    route: e.route,
    path: e.path,
    status: e.status,
    error_code: e.error_code,
    latency_ms: e.latency_ms,
    upstream_latency_ms: e.upstream_latency_ms,
    bytes_in: e.bytes_in,
    bytes_out: e.bytes_out,
    client_ip: e.client_ip,
    user_agent: e.user_agent,
    rate_limited: e.rate_limited ? 1 : 0,
    idempotency_key: e.idempotency_key ? 1 : 0,
    idempotent_replayed: e.idempotent_replayed ? 1 : 0,
  };
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

export interface RequestsStore {
  /** Ids among `events` already stored (looked up inside the events' time span only). */
  existingIds(events: readonly RequestEvent[]): Promise<Set<string>>;
  /**
   * Inserts events not stored yet (and each id once); returns the ids inserted now.
   * `mayBeStored` says which events can already be in ClickHouse (a retried batch): only those
   * are looked up (the lookup costs about as much as the insert). Default: all.
   */
  insertNew(
    events: readonly RequestEvent[],
    mayBeStored?: (e: RequestEvent) => boolean,
  ): Promise<{ inserted: number; duplicates: number; insertedIds: Set<string> }>;
}

export function createRequestsStore(ch: ClickHouse, database: string): RequestsStore {
  const table = `${databaseIdent(database)}.requests`;

  async function existingIds(events: readonly RequestEvent[]): Promise<Set<string>> {
    const found = new Set<string>();
    if (events.length === 0) return found;
    let min = Number.POSITIVE_INFINITY;
    let max = 0;
    for (const e of events) {
      if (e.ts_ms < min) min = e.ts_ms;
      if (e.ts_ms > max) max = e.ts_ms;
    }
    const ids = events.map((e) => e.request_id);
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      const chunk = ids.slice(i, i + ID_CHUNK);
      const rows = await ch.query<{ request_id: string }>(
        `SELECT request_id FROM ${table}
         WHERE ts >= ${dateTime(min)} AND ts <= ${dateTime(max)} AND request_id IN ${strList(chunk)}`,
        { max_query_size: 64 * 1024 * 1024 },
      );
      for (const r of rows) found.add(r.request_id);
    }
    return found;
  }

  return {
    existingIds,
    async insertNew(events, mayBeStored = () => true) {
      const unique = new Map<string, RequestEvent>();
      for (const e of events) if (!unique.has(e.request_id)) unique.set(e.request_id, e);
      const stored = await existingIds([...unique.values()].filter(mayBeStored));
      const rows: RequestRow[] = [];
      const insertedIds = new Set<string>();
      for (const e of unique.values()) {
        if (stored.has(e.request_id)) continue;
        rows.push(toRow(e));
        insertedIds.add(e.request_id);
      }
      await ch.insert(table, rows);
      return { inserted: rows.length, duplicates: events.length - rows.length, insertedIds };
    },
  };
}
