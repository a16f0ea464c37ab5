import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing.js';
import { allStatements, MIGRATIONS, migrationTarget, ROLLUP_TABLES } from './migrations.js';
import { dropPartitionSql } from './retention.js';

const CLUSTER = 'gh_cluster';
const sql = allStatements('gatehouse', CLUSTER);
const TABLES = ['requests', ...ROLLUP_TABLES];

function createOf(name: string): string | undefined {
  return sql.find((s) =>
    new RegExp(`^CREATE (TABLE|MATERIALIZED VIEW) IF NOT EXISTS \`gatehouse\`\\.${name} `).test(s),
  );
}

describe('ClickHouse cluster mode (CLICKHOUSE_CLUSTER)', () => {
  it('runs every statement ON CLUSTER', () => {
    expect(sql.length).toBeGreaterThan(10);
    for (const s of sql) expect(s.split('\n')[0], s).toContain(' ON CLUSTER `gh_cluster`');
  });

  it('stores rows in Replicated tables keyed by the {shard} and {replica} macros', () => {
    expect(createOf('requests_local')).toContain(
      "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/gatehouse/requests_local', '{replica}')",
    );
    for (const table of ROLLUP_TABLES) {
      expect(createOf(`${table}_local`), table).toContain(
        `ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/gatehouse/${table}_local', '{replica}')`,
      );
    }
    // No statement creates a non-replicated MergeTree.
    for (const s of sql) expect(s).not.toMatch(/ENGINE = (Replacing|Aggregating)?MergeTree\b/);
  });

  it('puts a Distributed table under each name the queries and inserts use, sharded by customer', () => {
    for (const table of TABLES) {
      const create = createOf(table);
      expect(create, table).toContain(`AS \`gatehouse\`.${table}_local`);
      expect(create, table).toContain(
        `ENGINE = Distributed('gh_cluster', 'gatehouse', '${table}_local'`,
      );
    }
    expect(createOf('requests')).toContain(', cityHash64(customer_id))');
    for (const table of [
      'requests_1m',
      'requests_1m_customers',
      'requests_1h_customers',
      'requests_1m_by_customer',
      'requests_1h_by_customer',
    ]) {
      expect(createOf(table), table).toContain(', cityHash64(customer_id))');
    }
    // Route rollups are written only by each shard's views: read-only Distributed, no key.
    expect(createOf('requests_1m_routes')).toContain("'requests_1m_routes_local')");
  });

  it('feeds local rollups from the local raw table on each server', () => {
    for (const table of TABLES.slice(1)) {
      const mv = createOf(`${table}_mv`);
      expect(mv, table).toContain(`TO \`gatehouse\`.${table}_local AS`);
      expect(mv, table).toMatch(/FROM `gatehouse`\.requests_local\n/);
    }
  });

  it('records migrations in one replicated table shared by the whole cluster', () => {
    expect(createOf('schema_migrations')).toContain(
      "ReplicatedMergeTree('/clickhouse/tables/global/gatehouse/schema_migrations', '{shard}-{replica}')",
    );
    expect(sql[0]).toBe('CREATE DATABASE IF NOT EXISTS `gatehouse` ON CLUSTER `gh_cluster`');
  });

  it('keeps single-server SQL free of cluster clauses', () => {
    const single = allStatements('gatehouse');
    const target = migrationTarget('gatehouse');
    expect(single).toHaveLength(
      2 +
        MIGRATIONS.flatMap((m) => [...m.statements(target), ...(m.cleanup?.(target) ?? [])]).length,
    );
    for (const s of single) {
      expect(s).not.toMatch(/ON CLUSTER|Replicated|Distributed|_local/);
    }
  });

  it('drops expired partitions from the local tables on every shard', () => {
    expect(dropPartitionSql('gatehouse', 'requests', 20260101, CLUSTER)).toBe(
      'ALTER TABLE `gatehouse`.`requests_local` ON CLUSTER `gh_cluster` DROP PARTITION 20260101',
    );
    expect(dropPartitionSql('gatehouse', 'requests_1m', 202601)).toBe(
      'ALTER TABLE `gatehouse`.`requests_1m` DROP PARTITION 202601',
    );
  });

  it('refuses a cluster name that is not a plain identifier', () => {
    expect(() => allStatements('gatehouse', 'c`; DROP')).toThrow(/invalid cluster name/);
  });
});

describe('cluster SQL on the test ClickHouse (no cluster configured)', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  // The server parses each statement before it looks for the cluster, so "cluster not found"
  // proves 18.16 accepts the text; nothing is created.
  it('parses every generated statement', async () => {
    const statements = [
      ...allStatements(t.database, CLUSTER),
      dropPartitionSql(t.database, 'requests', 20260101, CLUSTER),
    ];
    for (const s of statements) {
      const error = await t.ch.command(s).then(
        () => undefined,
        (e: Error) => e,
      );
      // Parsed, then refused for the missing cluster (the step after parsing).
      expect(error?.message ?? '', s).toMatch(/cluster 'gh_cluster' not found/);
    }
    // And a broken statement is reported as one, so the check above can fail.
    const broken = await t.ch.command(`${allStatements(t.database, CLUSTER)[2]} ,,`).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(broken?.message).toMatch(/syntax error/i);
  });
});
