/**
 * Retention without TTL (absent on 18.16): drop whole partitions older than the cutoff.
 * Raw rows are partitioned by day (YYYYMMDD), the rollup by month (YYYYMM); a month is dropped
 * only once its last day is past the cutoff.
 */
import type { ClickHouse } from './client.js';
import { clusterIdent, databaseIdent, ident, str, uint } from './escape.js';
import { ROLLUP_TABLES } from './migrations.js';

export interface RetentionPolicy {
  rawDays: number;
  rollupDays: number;
}

export interface RetentionResult {
  raw: number[];
  rollup: number[];
}

const TABLES = ['requests', ...ROLLUP_TABLES] as const;
type Table = (typeof TABLES)[number];
/** Cluster mode: the replicated tables holding the rows (the others are Distributed). */
const LOCAL_TABLES = TABLES.map((t) => `${t}_local` as const);

/**
 * `ALTER TABLE ... DROP PARTITION` on the table holding `table`'s rows: itself on one server;
 * in cluster mode `<table>_local ON CLUSTER`, which each shard applies once (its replicas
 * follow through replication).
 */
export function dropPartitionSql(
  database: string,
  table: Table,
  partition: number,
  cluster?: string,
): string {
  const db = databaseIdent(database);
  if (!cluster)
    return `ALTER TABLE ${db}.${ident(table, TABLES)} DROP PARTITION ${uint(partition)}`;
  return `ALTER TABLE ${db}.${ident(`${table}_local`, LOCAL_TABLES)} ON CLUSTER ${clusterIdent(cluster)} DROP PARTITION ${uint(partition)}`;
}

function yyyymmdd(d: Date): number {
  return d.getUTCFullYear() * 10000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
}

/** Drops expired partitions; returns the partition values dropped per table. */
export async function applyRetention(
  ch: ClickHouse,
  database: string,
  policy: RetentionPolicy,
  nowMs: number = Date.now(),
  /** CLICKHOUSE_CLUSTER. Partitions are listed on the server the collector talks to: with
   * rows sharded by customer every shard holds every recent day, and a partition missed on
   * one shard is dropped by a later run once it appears locally too. */
  cluster?: string,
): Promise<RetentionResult> {
  const day = 86_400_000;
  const rawCutoff = yyyymmdd(new Date(nowMs - policy.rawDays * day));
  // A month YYYYMM is expired when every day of it is older than the cutoff day.
  const rollupCutoffDay = yyyymmdd(new Date(nowMs - policy.rollupDays * day));
  const rollupCutoffMonth = Math.floor(rollupCutoffDay / 100);

  async function partitions(table: Table): Promise<number[]> {
    const rows = await ch.query<{ partition: string }>(
      `SELECT DISTINCT partition FROM system.parts
       WHERE database = ${str(database)} AND table = ${str(cluster ? `${table}_local` : table)} AND active`,
    );
    return rows.map((r) => Number(r.partition)).filter((p) => Number.isSafeInteger(p) && p > 0);
  }
  async function drop(table: Table, partition: number): Promise<void> {
    await ch.command(dropPartitionSql(database, table, partition, cluster));
  }

  const raw = (await partitions('requests')).filter((p) => p < rawCutoff).sort();
  for (const p of raw) await drop('requests', p);
  // Reported for requests_1m; every rollup table has the same monthly partitions.
  let rollup: number[] = [];
  for (const table of ROLLUP_TABLES) {
    const expired = (await partitions(table)).filter((p) => p < rollupCutoffMonth).sort();
    for (const p of expired) await drop(table, p);
    if (table === 'requests_1m') rollup = expired;
  }
  return { raw, rollup };
}

/** Runs retention now and then every `intervalMs` (unref'd); errors go to `onError`. */
export function scheduleRetention(
  run: () => Promise<unknown>,
  intervalMs: number,
  onError: (err: unknown) => void,
): { stop(): void } {
  let running = false;
  const tick = () => {
    if (running) return;
    running = true;
    run()
      .catch(onError)
      .finally(() => {
        running = false;
      });
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
