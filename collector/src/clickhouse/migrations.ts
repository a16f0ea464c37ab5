/**
 * Versioned schema migrations, applied in order at start and recorded in
 * `<db>.schema_migrations`. A migration is a list of statements; each is idempotent
 * (`IF NOT EXISTS`) so a crash between a statement and its record is harmless on the next run.
 * Every statement runs on ClickHouse 18.16 and on current releases.
 */
import type { ClickHouse } from './client.js';
import { clusterIdent, databaseIdent, str, uint } from './escape.js';

/**
 * Where the statements go. `cluster` unset: one server, plain MergeTree tables (the default).
 * `cluster` set (CLICKHOUSE_CLUSTER, a `remote_servers` name with `{shard}`/`{replica}` macros,
 * ZooKeeper, and `internal_replication` true on each shard: the Distributed table writes one
 * replica and replication copies it; otherwise every replica's views would count each row):
 * every statement runs `ON CLUSTER`; each table `t` becomes a
 * replicated local table `t_local` on every server plus a Distributed table named `t` over
 * them, so the query and insert code reads and writes `<db>.requests`, `<db>.requests_1m`...
 * in both modes without knowing which one it is.
 */
export interface MigrationTarget {
  /** The quoted database identifier (`databaseIdent`). */
  db: string;
  /** The plain database name, for ZooKeeper paths and Distributed engine arguments. */
  database: string;
  cluster?: string | undefined;
}

export interface Migration {
  version: number;
  name: string;
  statements: (target: MigrationTarget) => string[];
  /**
   * Fills tables this migration created from data already stored, after `statements` (which
   * create the views first, so rows ingested meanwhile are not missed). Runs only when `guard`
   * (a view the statements create) did not exist before: a migration interrupted after its
   * backfill and re-run does not add the history twice.
   */
  backfill?: { guard: string; run: (ch: ClickHouse, target: MigrationTarget) => Promise<void> };
  /** Statements after the backfill (dropping what it replaced), idempotent like `statements`. */
  cleanup?: (target: MigrationTarget) => string[];
}

/**
 * Sharding key of the raw table: one customer's rows all live on one shard, so
 * - a retried row (same request_id, hence same customer) lands on the shard that already holds
 *   it and ReplacingMergeTree / FINAL collapse it there, as on one server;
 * - the per-customer rollups, fed by each shard's materialized views from its local rows, hold
 *   every row of a customer on one shard too, and per-customer queries touch complete data.
 * The writer's pre-insert dedup lookup reads the Distributed `requests`, i.e. asks every shard;
 * the collector inserts with `insert_distributed_sync=1` in cluster mode so a batch is on its
 * shard before the next lookup can miss it. A very large customer skews one shard: the price of
 * exact per-customer answers; add shards before that matters.
 */
export const SHARDING_KEY = 'cityHash64(customer_id)';

/** ` ON CLUSTER <c>` or nothing. */
function onCluster(t: MigrationTarget): string {
  return t.cluster ? ` ON CLUSTER ${clusterIdent(t.cluster)}` : '';
}

/** The name of the table holding rows: `t` on one server, `t_local` in cluster mode. */
function local(t: MigrationTarget, table: string): string {
  return t.cluster ? `${table}_local` : table;
}

/**
 * The single-node engine, or its Replicated variant keyed by shard and replica macros (each
 * shard's replicas share one ZooKeeper path per table).
 */
function engine(
  t: MigrationTarget,
  kind: 'MergeTree' | 'ReplacingMergeTree' | 'AggregatingMergeTree',
  table: string,
): string {
  if (!t.cluster) return kind;
  return `Replicated${kind}(${str(`/clickhouse/tables/{shard}/${t.database}/${local(t, table)}`)}, '{replica}')`;
}

/**
 * Cluster mode: the Distributed table `t` over every shard's `t_local`. Without a sharding key
 * it only serves reads (inserts through it fail on more than one shard), which is what the
 * rollups want: their rows are written on each shard by the local materialized views.
 */
function distributed(t: MigrationTarget, table: string, shardingKey?: string): string[] {
  if (!t.cluster) return [];
  const args = [str(t.cluster), str(t.database), str(local(t, table))];
  if (shardingKey) args.push(shardingKey);
  return [
    `CREATE TABLE IF NOT EXISTS ${t.db}.${table}${onCluster(t)} AS ${t.db}.${local(t, table)}
      ENGINE = Distributed(${args.join(', ')})`,
  ];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'raw requests table',
    statements: (t) => [
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
      `CREATE TABLE IF NOT EXISTS ${t.db}.${local(t, 'requests')}${onCluster(t)} (
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
      ) ENGINE = ${engine(t, 'ReplacingMergeTree', 'requests')}
      PARTITION BY toYYYYMMDD(ts)
      ORDER BY (toStartOfHour(ts), customer_id, route, method, ts_ms, request_id)`,
      ...distributed(t, 'requests', SHARDING_KEY),
    ],
  },
  {
    version: 2,
    name: 'per-minute rollup and its materialized view',
    statements: (t) => [
      /*
       * Per minute × customer × route × method × status × error code. Status class is
       * intDiv(status, 100), so the class breakdown and the status-code and top-error views all
       * read this one table. Monthly partitions keep the part count low over 400 days.
       */
      `CREATE TABLE IF NOT EXISTS ${t.db}.${local(t, 'requests_1m')}${onCluster(t)} (
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
      ) ENGINE = ${engine(t, 'AggregatingMergeTree', 'requests_1m')}
      PARTITION BY toYYYYMM(minute)
      ORDER BY (minute, customer_id, route, method, status, error_code)`,
      ...distributed(t, 'requests_1m', SHARDING_KEY),
      // On each server: reads the local raw table, writes the local rollup.
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${t.db}.requests_1m_mv${onCluster(t)} TO ${t.db}.${local(t, 'requests_1m')} AS
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
      FROM ${t.db}.${local(t, 'requests')}
      GROUP BY minute, customer_id, route, method, status, error_code`,
    ],
  },
  {
    version: 3,
    name: 'coarser rollups for long ranges: per minute and per hour without customer, per hour by customer',
    statements: (t) => [
      /*
       * requests_1m keeps the customer dimension, so with many active customers it barely
       * shrinks the data. Dashboard-wide views (no customer filter) read these instead, and
       * ranges over a day read hourly rows. Same states as requests_1m, read the same way.
       */
      ...rollup(t, 'requests_1m_routes', 'toYYYYMM'),
      ...rollup(t, 'requests_1h_routes', 'toYYYYMM'),
      // The per-customer table of the dashboard over long ranges.
      ...rollup(t, 'requests_1h_customers', 'toYYYYMM'),
    ],
  },
  {
    version: 4,
    name: 'per-minute rollup by customer only',
    statements: (t) => [
      // The customers table and usage totals for 1 h – 24 h: requests_1m also splits by route
      // and status, which multiplies its rows by the number of endpoints a customer calls.
      ...rollup(t, 'requests_1m_customers', 'toYYYYMM'),
    ],
  },
  {
    version: 5,
    name: 'totals and per-endpoint rollups, fed from the route rollups',
    /*
     * Measured over 100M generated rows (7 days, 997 customers, 20 routes; bench/collector): a
     * dashboard query's cost is the number of quantile centroids it merges, and a
     * quantilesTDigest state keeps one centroid per value up to a few hundred. The unfiltered
     * overview and time series read requests_1m_routes / requests_1h_routes, which split every
     * bucket by route × method × status × error code (~100 groups here, more in real traffic), so
     * a 24 h series merged ~10M centroids (≈1 s) and a 7 d overview ~7M. These tables drop the
     * dimensions those views do not use:
     * - requests_1m_total / requests_1h_total: one row per minute / hour (overview, series);
     * - requests_1h_endpoints: per hour by route and method (the endpoints table over days).
     * Their views read `requests` like the others: 18.16 does not run views attached to a view's
     * target table when the view writes to it, so a cheaper chain (view over the route rollup)
     * would stay empty. The price is three more aggregations of each inserted block.
     * Existing installs: the backfill rebuilds their history from the route rollups by merging
     * states, one day per statement (each reads one day of a route rollup, ~200k rows at 100M
     * raw rows a week, never the raw table, and stays well inside the client's timeout). It
     * runs right after the views exist, so only rows another collector inserts in that instant
     * could be counted twice; a collector migrates before it ingests.
     */
    statements: (t) => [
      ...rollup(t, 'requests_1m_total', 'toYYYYMM'),
      ...rollup(t, 'requests_1h_total', 'toYYYYMM'),
      ...rollup(t, 'requests_1h_endpoints', 'toYYYYMM'),
    ],
    backfill: {
      guard: 'requests_1h_endpoints_mv',
      // Through the Distributed tables in cluster mode: the SELECT merges every shard's rows
      // and the insert spreads them at random (these tables have no customer, so a row's shard
      // does not matter; every query merges all shards).
      run: async (ch, t) => {
        for (const sql of await backfillStatements(ch, t)) await ch.command(sql);
      },
    },
  },
  {
    version: 6,
    name: 'per-customer rollups sorted by customer',
    /*
     * Measured over 100M generated rows (997 customers): one customer's p95 over a week from
     * requests_1h_customers took ~0.5–0.9 s while its count took 5 ms. That table is sorted by
     * (minute, customer_id) in 8192-row granules, each holding every customer of ~8 hours, so a
     * customer filter (one customer's page, or the customers table's percentile pass for the
     * 50 rows it shows) still deserialized every latency state in the range (~2 KB each).
     * These copies sort by (customer_id, minute) in 256-row granules: a customer's rows are
     * contiguous and a time range still skips granules inside them (256 hourly rows ≈ 10 days,
     * 256 minute rows ≈ 4 h), so a filtered read touches that customer's states only, and an
     * unfiltered one reads a few granules per customer.
     * Upgrade: views first, then the old tables' rows are copied one day per statement (state
     * columns as they are; bounded by those rollups, not by the raw table), then the old views
     * and tables are dropped.
     */
    statements: (t) => [
      ...rollup(t, 'requests_1m_by_customer', 'toYYYYMM'),
      ...rollup(t, 'requests_1h_by_customer', 'toYYYYMM'),
    ],
    backfill: {
      guard: 'requests_1h_by_customer_mv',
      run: async (ch, t) => {
        for (const c of CUSTOMER_FIRST) {
          const cols =
            'minute, customer_id, requests_state, errors_state, rate_limited_state, bytes_in_state, bytes_out_state, latency_state';
          for (const range of await days(ch, `${t.db}.${c.from}`)) {
            await ch.command(
              `INSERT INTO ${t.db}.${c.table} (${cols}) SELECT ${cols} FROM ${t.db}.${c.from} WHERE ${range}`,
            );
          }
        }
      },
    },
    cleanup: (t) =>
      CUSTOMER_FIRST.flatMap((c) => [
        `DROP TABLE IF EXISTS ${t.db}.${c.from}_mv${onCluster(t)}`,
        ...(t.cluster ? [`DROP TABLE IF EXISTS ${t.db}.${c.from}${onCluster(t)}`] : []),
        `DROP TABLE IF EXISTS ${t.db}.${local(t, c.from)}${onCluster(t)}`,
      ]),
  },
  {
    version: 7,
    name: 'per-hour rollup by route and customer, sorted by route',
    /*
     * An endpoint's page lists its customers: route filter, grouped by customer. Only
     * requests_1m had both, minute first, so a week of one route read every row of it (at 100M
     * raw rows ~100M rollup rows: 21 s). This table holds hours by route × method × customer,
     * sorted by (route, method, customer_id, minute) in 256-row granules: one route's week is a
     * contiguous ~170k rows, and the customers table's percentile pass reads only its page's
     * customers. The partial hours at the window's ends still come from requests_1m.
     * Upgrade: rebuilt from requests_1m (merging its states into hours), one hour per statement.
     */
    statements: (t) => [...rollup(t, 'requests_1h_route_customers', 'toYYYYMM')],
    backfill: {
      guard: 'requests_1h_route_customers_mv',
      run: async (ch, t) => {
        // An hour per statement: requests_1m can hold about one row per raw row.
        for (const range of await days(ch, `${t.db}.requests_1m`, 3_600)) {
          const from = `${t.db}.requests_1m WHERE ${range}`;
          await ch.command(
            `INSERT INTO ${t.db}.requests_1h_route_customers ${rollupFromRollupSelect('requests_1h_route_customers', from)}`,
          );
        }
      },
    },
  },
];

/**
 * `minute` conditions covering `table`'s rows one UTC day (or `day` seconds) at a time: each
 * backfill statement stays small enough to finish well inside the client's request timeout.
 */
async function days(ch: ClickHouse, table: string, day = 86_400): Promise<string[]> {
  const [range] = await ch.query<{ lo: number; hi: number; n: number }>(
    `SELECT toUInt32(min(minute)) AS lo, toUInt32(max(minute)) AS hi, count() AS n FROM ${table}`,
  );
  if (!range || Number(range.n) === 0) return [];
  const out: string[] = [];
  for (let s = Math.floor(Number(range.lo) / day) * day; s <= Number(range.hi); s += day) {
    out.push(
      `minute >= toDateTime(${uint(s)}, 'UTC') AND minute < toDateTime(${uint(s + day)}, 'UTC')`,
    );
  }
  return out;
}

/** Migration 5's backfill: per derived table, one INSERT … SELECT per day of its source. */
export async function backfillStatements(ch: ClickHouse, t: MigrationTarget): Promise<string[]> {
  const out: string[] = [];
  for (const d of DERIVED) {
    for (const range of await days(ch, `${t.db}.${d.from}`)) {
      const from = `${t.db}.${d.from} WHERE ${range}`;
      out.push(`INSERT INTO ${t.db}.${d.table} ${rollupFromRollupSelect(d.table, from)}`);
    }
  }
  return out;
}

/** Names of every rollup table (retention drops their monthly partitions). */
export const ROLLUP_TABLES = [
  'requests_1m',
  'requests_1m_routes',
  'requests_1h_routes',
  'requests_1m_by_customer',
  'requests_1h_by_customer',
  'requests_1m_total',
  'requests_1h_total',
  'requests_1h_endpoints',
  'requests_1h_route_customers',
] as const;

/**
 * What each rollup groups by. The bench generator and backfills fill a rollup with
 * `rollupSelect` (the same SELECT its materialized view runs), so a table filled either way holds
 * the same rows.
 */
export interface RollupSpec {
  table: RollupTable;
  /** Bucket width in seconds: 60 (`toStartOfMinute`) or 3600 (`toStartOfHour`). */
  seconds: 60 | 3600;
  keys: readonly string[];
  /** Sorted by (...keys, minute) in small granules instead of (minute, ...keys). */
  keysFirst?: boolean;
}

const ALL_KEYS = ['customer_id', 'route', 'method', 'status', 'error_code'] as const;
const ROUTE_KEYS = ['route', 'method', 'status', 'error_code'] as const;

/** Per-customer rollups of migrations 3 and 4, replaced (and dropped) by migration 6. */
const LEGACY_TABLES = ['requests_1m_customers', 'requests_1h_customers'] as const;

export type RollupTable = (typeof ROLLUP_TABLES)[number] | (typeof LEGACY_TABLES)[number];

/**
 * Rollups added by migration 5, filled on upgrade from the finer rollup `from` (merging its
 * states) rather than from `requests`.
 */
export const DERIVED: readonly (RollupSpec & { from: RollupTable })[] = [
  { table: 'requests_1m_total', seconds: 60, keys: [], from: 'requests_1m_routes' },
  { table: 'requests_1h_total', seconds: 3600, keys: [], from: 'requests_1h_routes' },
  {
    table: 'requests_1h_endpoints',
    seconds: 3600,
    keys: ['route', 'method'],
    from: 'requests_1h_routes',
  },
];

/** Every rollup, each fed from `requests` by its view (the bench generator fills them directly). */
export const ROLLUPS: readonly RollupSpec[] = [
  { table: 'requests_1m', seconds: 60, keys: ALL_KEYS },
  { table: 'requests_1m_routes', seconds: 60, keys: ROUTE_KEYS },
  { table: 'requests_1h_routes', seconds: 3600, keys: ROUTE_KEYS },
  { table: 'requests_1m_by_customer', seconds: 60, keys: ['customer_id'], keysFirst: true },
  { table: 'requests_1h_by_customer', seconds: 3600, keys: ['customer_id'], keysFirst: true },
  ...DERIVED,
  {
    table: 'requests_1h_route_customers',
    seconds: 3600,
    keys: ['route', 'method', 'customer_id'],
    keysFirst: true,
  },
];

const LEGACY: readonly RollupSpec[] = [
  { table: 'requests_1m_customers', seconds: 60, keys: ['customer_id'] },
  { table: 'requests_1h_customers', seconds: 3600, keys: ['customer_id'] },
];

/** Migration 6: each customer-leading rollup and the legacy table it is copied from. */
const CUSTOMER_FIRST: readonly { table: RollupTable; from: RollupTable }[] = [
  { table: 'requests_1m_by_customer', from: 'requests_1m_customers' },
  { table: 'requests_1h_by_customer', from: 'requests_1h_customers' },
];

function bucketExpr(seconds: 60 | 3600): string {
  return seconds === 60 ? 'toStartOfMinute(ts)' : 'toStartOfHour(ts)';
}

function rollupSpec(table: string): RollupSpec {
  const spec = [...ROLLUPS, ...LEGACY].find((r) => r.table === table);
  if (!spec) throw new Error(`unknown rollup ${table}`);
  return spec;
}

/**
 * The aggregation feeding rollup `table` from the raw rows of `from` (a qualified table name,
 * optionally followed by a WHERE clause): the materialized view's SELECT.
 */
export function rollupSelect(table: string, from: string): string {
  const spec = rollupSpec(table);
  const keyList = spec.keys.join(', ');
  return `SELECT
      ${bucketExpr(spec.seconds)} AS minute,
      ${keyList}${keyList ? ',' : ''}
      countState() AS requests_state,
      sumState(toUInt64(status >= 400)) AS errors_state,
      sumState(toUInt64(rate_limited)) AS rate_limited_state,
      sumState(bytes_in) AS bytes_in_state,
      sumState(bytes_out) AS bytes_out_state,
      quantilesTDigestState(0.5, 0.95, 0.99)(latency_ms) AS latency_state
    FROM ${from}
    GROUP BY minute${keyList ? `, ${keyList}` : ''}`;
}

/** The same rows as `rollupSelect`, computed from a finer rollup `from` (qualified) by merging states. */
export function rollupFromRollupSelect(table: string, from: string): string {
  const spec = rollupSpec(table);
  const keyList = spec.keys.join(', ');
  const bucket = spec.seconds === 60 ? 'toStartOfMinute(minute)' : 'toStartOfHour(minute)';
  return `SELECT
      ${bucket} AS minute,
      ${keyList}${keyList ? ',' : ''}
      countMergeState(requests_state) AS requests_state,
      sumMergeState(errors_state) AS errors_state,
      sumMergeState(rate_limited_state) AS rate_limited_state,
      sumMergeState(bytes_in_state) AS bytes_in_state,
      sumMergeState(bytes_out_state) AS bytes_out_state,
      quantilesTDigestMergeState(0.5, 0.95, 0.99)(latency_state) AS latency_state
    FROM ${from}
    GROUP BY minute${keyList ? `, ${keyList}` : ''}`;
}

/**
 * An AggregatingMergeTree rollup keyed by (minute, ...keys) plus the materialized view that
 * feeds it from `requests`. The time column is called `minute` in every rollup, whatever its
 * granularity, so the query code reads them all alike.
 */
function rollup(t: MigrationTarget, table: RollupTable, partition: string): string[] {
  const { keys } = rollupSpec(table);
  // Tables derived on upgrade take the backfill's inserts through the Distributed table, at
  // random: without a customer dimension a row's shard does not matter (queries merge all).
  const derived = DERIVED.some((d) => d.table === table);
  return [
    ...rollupTable(t, table, partition),
    ...distributed(
      t,
      table,
      keys.includes('customer_id') ? SHARDING_KEY : derived ? 'rand()' : undefined,
    ),
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${t.db}.${table}_mv${onCluster(t)} TO ${t.db}.${local(t, table)} AS
    ${rollupSelect(table, `${t.db}.${local(t, 'requests')}`)}`,
  ];
}

function rollupTable(t: MigrationTarget, table: RollupTable, partition: string): string[] {
  const { keys, keysFirst } = rollupSpec(table);
  const orderBy = keysFirst
    ? `(${keys.join(', ')}, minute) SETTINGS index_granularity = 256`
    : keys.length > 0
      ? `(minute, ${keys.join(', ')})`
      : 'minute';
  return [
    `CREATE TABLE IF NOT EXISTS ${t.db}.${local(t, table)}${onCluster(t)} (
      minute DateTime('UTC'),
      ${keys.map((k) => `${k} ${k === 'status' ? 'UInt16' : 'String'},`).join('\n      ')}
      requests_state AggregateFunction(count),
      errors_state AggregateFunction(sum, UInt64),
      rate_limited_state AggregateFunction(sum, UInt64),
      bytes_in_state AggregateFunction(sum, UInt64),
      bytes_out_state AggregateFunction(sum, UInt64),
      latency_state AggregateFunction(quantilesTDigest(0.5, 0.95, 0.99), Float64)
    ) ENGINE = ${engine(t, 'AggregatingMergeTree', table)}
    PARTITION BY ${partition}(minute)
    ORDER BY ${orderBy}`,
  ];
}

/**
 * The database and the migrations record. In cluster mode the record is ONE replicated table
 * across the whole cluster (a ZooKeeper path without `{shard}`, replica names unique per shard
 * and replica), so whichever server a collector talks to knows what has been applied.
 */
export function setupStatements(t: MigrationTarget): string[] {
  const migrationsEngine = t.cluster
    ? `ReplicatedMergeTree(${str(`/clickhouse/tables/global/${t.database}/schema_migrations`)}, '{shard}-{replica}')`
    : 'MergeTree';
  return [
    `CREATE DATABASE IF NOT EXISTS ${t.db}${onCluster(t)}`,
    `CREATE TABLE IF NOT EXISTS ${t.db}.schema_migrations${onCluster(t)} (version UInt32, name String, applied_at DateTime('UTC'))
     ENGINE = ${migrationsEngine} ORDER BY version`,
  ];
}

export function migrationTarget(database: string, cluster?: string): MigrationTarget {
  return { db: databaseIdent(database), database, cluster };
}

/** Every statement a fresh install runs, in order (tests inspect it). */
export function allStatements(database: string, cluster?: string): string[] {
  const t = migrationTarget(database, cluster);
  return [
    ...setupStatements(t),
    ...MIGRATIONS.flatMap((m) => [...m.statements(t), ...(m.cleanup?.(t) ?? [])]),
  ];
}

/**
 * Creates the database and applies pending migrations; returns the versions applied now.
 * `cluster`: CLICKHOUSE_CLUSTER (unset = single server).
 */
export async function migrate(
  ch: ClickHouse,
  database: string,
  cluster?: string,
): Promise<number[]> {
  const t = migrationTarget(database, cluster);
  const db = t.db;
  for (const sql of setupStatements(t)) await ch.command(sql);
  const done = new Set(
    (await ch.query<{ version: number }>(`SELECT version FROM ${db}.schema_migrations`)).map((r) =>
      Number(r.version),
    ),
  );
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    if (done.has(m.version)) continue;
    const fresh = m.backfill
      ? Number(
          (
            await ch.query<{ n: number }>(
              `SELECT count() AS n FROM system.tables WHERE database = ${str(database)} AND name = ${str(m.backfill.guard)}`,
            )
          )[0]?.n,
        ) === 0
      : false;
    for (const sql of m.statements(t)) await ch.command(sql);
    if (m.backfill && fresh) await m.backfill.run(ch, t);
    for (const sql of m.cleanup?.(t) ?? []) await ch.command(sql);
    await ch.command(
      `INSERT INTO ${db}.schema_migrations (version, name, applied_at) VALUES (${uint(m.version)}, ${str(m.name)}, now())`,
    );
    applied.push(m.version);
  }
  return applied;
}
