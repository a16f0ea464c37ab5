/**
 * Versioned schema migrations, applied in order at start and recorded in
 * `<db>.schema_migrations`. A migration is a list of statements; each is idempotent
 * (`IF NOT EXISTS`) so a crash between a statement and its record is harmless on the next run.
 * Every statement runs on ClickHouse 18.16 and on current releases.
 */
import type { ClickHouse } from './client.js';
import { databaseIdent, str, uint } from './escape.js';

export interface Migration {
  version: number;
  name: string;
  statements: (db: string) => string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'raw requests table',
    statements: (db) => [
      /*
       * One row per request the gateway answered.
       * - ReplacingMergeTree + a sort key ending in request_id: a retried batch that slipped past
       *   the writer's pre-insert check (see requests-store.ts) collapses on merge, and `FINAL`
       *   / uniqExact(request_id) give the exact answer before the merge.
       * - PARTITION BY day: retention drops whole days (no TTL on 18.16).
       * - ORDER BY (toStartOfHour(ts), customer_id, route, method, ts_ms, request_id): the raw
       *   table only serves short windows (dashboards up to 1 h, request search, the dedup
       *   check), so the hour leads and prunes by time; inside an hour customer then route lets
       *   per-customer and per-endpoint filters skip granules. Long ranges read the rollup.
       * - Time is `ts DateTime('UTC')` plus `ts_ms` epoch milliseconds (no DateTime64 on 18.16).
       */
      `CREATE TABLE IF NOT EXISTS ${db}.requests (
        ts DateTime('UTC'),
        ts_ms UInt64,
        request_id String,
        trace_id String,
        instance String,
        customer_id String,
        key_id String,
        auth_method String,
        method String,
        route String,
        path String,
        status UInt16,
        error_code String,
        latency_ms Float64,
        upstream_latency_ms Float64,
        bytes_in UInt64,
        bytes_out UInt64,
        client_ip String,
        user_agent String,
        rate_limited UInt8,
        idempotency_key UInt8,
        idempotent_replayed UInt8
      ) ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMMDD(ts)
      ORDER BY (toStartOfHour(ts), customer_id, route, method, ts_ms, request_id)`,
    ],
  },
  {
    version: 2,
    name: 'per-minute rollup and its materialized view',
    statements: (db) => [
      /*
       * Per minute × customer × route × method × status × error code. Status class is
       * intDiv(status, 100), so the class breakdown and the status-code and top-error views all
       * read this one table. Monthly partitions keep the part count low over 400 days.
       */
      `CREATE TABLE IF NOT EXISTS ${db}.requests_1m (
        minute DateTime('UTC'),
        customer_id String,
        route String,
        method String,
        status UInt16,
        error_code String,
        requests_state AggregateFunction(count),
        errors_state AggregateFunction(sum, UInt64),
        rate_limited_state AggregateFunction(sum, UInt64),
        bytes_in_state AggregateFunction(sum, UInt64),
        bytes_out_state AggregateFunction(sum, UInt64),
        latency_state AggregateFunction(quantilesTDigest(0.5, 0.95, 0.99), Float64)
      ) ENGINE = AggregatingMergeTree
      PARTITION BY toYYYYMM(minute)
      ORDER BY (minute, customer_id, route, method, status, error_code)`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.requests_1m_mv TO ${db}.requests_1m AS
      SELECT
        toStartOfMinute(ts) AS minute,
        customer_id,
        route,
        method,
        status,
        error_code,
        countState() AS requests_state,
        sumState(toUInt64(status >= 400)) AS errors_state,
        sumState(toUInt64(rate_limited)) AS rate_limited_state,
        sumState(bytes_in) AS bytes_in_state,
        sumState(bytes_out) AS bytes_out_state,
        quantilesTDigestState(0.5, 0.95, 0.99)(latency_ms) AS latency_state
      FROM ${db}.requests
      GROUP BY minute, customer_id, route, method, status, error_code`,
    ],
  },
  {
    version: 3,
    name: 'coarser rollups for long ranges: per minute and per hour without customer, per hour by customer',
    statements: (db) => [
      /*
       * requests_1m keeps the customer dimension, so with many active customers it barely
       * shrinks the data. Dashboard-wide views (no customer filter) read these instead, and
       * ranges over a day read hourly rows. Same states as requests_1m, read the same way.
       */
      ...rollup(
        db,
        'requests_1m_routes',
        'toStartOfMinute(ts)',
        ['route', 'method', 'status', 'error_code'],
        'toYYYYMM',
      ),
      ...rollup(
        db,
        'requests_1h_routes',
        'toStartOfHour(ts)',
        ['route', 'method', 'status', 'error_code'],
        'toYYYYMM',
      ),
      // The per-customer table of the dashboard over long ranges.
      ...rollup(db, 'requests_1h_customers', 'toStartOfHour(ts)', ['customer_id'], 'toYYYYMM'),
    ],
  },
  {
    version: 4,
    name: 'per-minute rollup by customer only',
    statements: (db) => [
      // The customers table and usage totals for 1 h – 24 h: requests_1m also splits by route
      // and status, which multiplies its rows by the number of endpoints a customer calls.
      ...rollup(db, 'requests_1m_customers', 'toStartOfMinute(ts)', ['customer_id'], 'toYYYYMM'),
    ],
  },
];

/** Names of every rollup table (retention drops their monthly partitions). */
export const ROLLUP_TABLES = [
  'requests_1m',
  'requests_1m_routes',
  'requests_1h_routes',
  'requests_1m_customers',
  'requests_1h_customers',
] as const;

/**
 * An AggregatingMergeTree rollup keyed by (minute, ...keys) plus the materialized view that
 * feeds it from `requests`. The time column is called `minute` in every rollup, whatever its
 * granularity, so the query code reads them all alike.
 */
function rollup(
  db: string,
  table: string,
  bucket: string,
  keys: string[],
  partition: string,
): string[] {
  const keyList = keys.join(', ');
  return [
    `CREATE TABLE IF NOT EXISTS ${db}.${table} (
      minute DateTime('UTC'),
      ${keys.map((k) => `${k} ${k === 'status' ? 'UInt16' : 'String'},`).join('\n      ')}
      requests_state AggregateFunction(count),
      errors_state AggregateFunction(sum, UInt64),
      rate_limited_state AggregateFunction(sum, UInt64),
      bytes_in_state AggregateFunction(sum, UInt64),
      bytes_out_state AggregateFunction(sum, UInt64),
      latency_state AggregateFunction(quantilesTDigest(0.5, 0.95, 0.99), Float64)
    ) ENGINE = AggregatingMergeTree
    PARTITION BY ${partition}(minute)
    ORDER BY (minute, ${keyList})`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.${table}_mv TO ${db}.${table} AS
    SELECT
      ${bucket} AS minute,
      ${keyList},
      countState() AS requests_state,
      sumState(toUInt64(status >= 400)) AS errors_state,
      sumState(toUInt64(rate_limited)) AS rate_limited_state,
      sumState(bytes_in) AS bytes_in_state,
      sumState(bytes_out) AS bytes_out_state,
      quantilesTDigestState(0.5, 0.95, 0.99)(latency_ms) AS latency_state
    FROM ${db}.requests
    GROUP BY minute, ${keyList}`,
  ];
}

/** Creates the database and applies pending migrations; returns the versions applied now. */
export async function migrate(ch: ClickHouse, database: string): Promise<number[]> {
  const db = databaseIdent(database);
  await ch.command(`CREATE DATABASE IF NOT EXISTS ${db}`);
  await ch.command(
    `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations (version UInt32, name String, applied_at DateTime('UTC'))
     ENGINE = MergeTree ORDER BY version`,
  );
  const done = new Set(
    (await ch.query<{ version: number }>(`SELECT version FROM ${db}.schema_migrations`)).map((r) =>
      Number(r.version),
    ),
  );
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    if (done.has(m.version)) continue;
    for (const sql of m.statements(db)) await ch.command(sql);
    await ch.command(
      `INSERT INTO ${db}.schema_migrations (version, name, applied_at) VALUES (${uint(m.version)}, ${str(m.name)}, now())`,
    );
    applied.push(m.version);
  }
  return applied;
}
