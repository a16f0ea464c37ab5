/**
 * Collector benchmark (not a test): end-to-end ingest throughput by client batch size, and query
 * latency p50/p95 of the query API over generated data sets.
 *
 *   node --import tsx bench/collector/run.ts                        # 500k ingest, 10M rows
 *   node --import tsx bench/collector/run.ts --rows=10000000,100000000 --ingest=1000000
 *   node --import tsx bench/collector/run.ts --ingest=0 --rows=10000000,100000000  # queries only
 *
 * Uses CLICKHOUSE_URL when set, else starts a project-owned ClickHouse on free ports in a temp
 * directory. Prints a markdown table and writes it to bench/results/collector-<date>.md
 * (collector-queries-<date>.md with --ingest=0, collector-ingest-<date>.md with --rows=0).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, startCollector } from '@gatehouse/collector';
import { benchClickHouse, parseFlags, sql } from './clickhouse.js';
import { generate, settle } from './generate.js';
import { benchIngest, ingestTableHeader, ingestTableRow } from './ingest.js';
import { benchQueries, dashboardQueries } from './queries.js';

const args = parseFlags(process.argv.slice(2));
const INGEST_EVENTS = Number(args.ingest ?? 500_000);
const CLIENT_BATCHES = (args.batches ?? '1000,10000,50000').split(',').map(Number);
const ROW_TARGETS = (args.rows ?? '10000000')
  .split(',')
  .map(Number)
  .filter((n: number) => n > 0);
const QUERY_RUNS = Number(args.runs ?? 20);
const CONCURRENCY = Number(args.concurrency ?? 8);
const INGEST_TOKEN = 'bench-ingest-token-000000';
const ADMIN_TOKEN = 'bench-admin-token-0000000';

async function main(): Promise<void> {
  const ch = await benchClickHouse();
  const chUrl = ch.url;
  const version = await sql(chUrl, 'SELECT version()');
  const lines: string[] = [
    `# Collector benchmark (${new Date().toISOString()})`,
    '',
    `ClickHouse ${version}, ${os.cpus().length} cores, Node ${process.version}. Command: \`node --import tsx bench/collector/run.ts ${process.argv.slice(2).join(' ')}\``,
    '',
  ];
  if (INGEST_EVENTS > 0)
    lines.push(
      `## Ingest, end to end (gzip NDJSON POST → ack after ClickHouse insert), ${INGEST_EVENTS.toLocaleString()} events, ${CONCURRENCY} concurrent senders, collector batch 50k / 1 s`,
      '',
      ...ingestTableHeader,
    );
  try {
    for (const b of INGEST_EVENTS > 0 ? CLIENT_BATCHES : []) {
      const r = await benchIngest({
        chUrl,
        batch: b,
        events: INGEST_EVENTS,
        concurrency: CONCURRENCY,
      });
      lines.push(ingestTableRow(r));
      console.log(lines[lines.length - 1]);
    }
    const database = `gh_bench_query_${randomBytes(4).toString('hex')}`;
    const collector = await startCollector(
      loadConfig({
        CLICKHOUSE_URL: chUrl,
        CLICKHOUSE_DATABASE: database,
        COLLECTOR_PORT: '0',
        COLLECTOR_INGEST_TOKEN: INGEST_TOKEN,
        GATEHOUSE_ADMIN_TOKEN: ADMIN_TOKEN,
        LOG_LEVEL: 'warn',
      }),
      { retention: false },
    );
    let have = 0;
    const endMs = Date.now();
    const run = (q: string) => sql(chUrl, q);
    for (const target of ROW_TARGETS) {
      const t0 = performance.now();
      const g = await generate(run, database, have, target, endMs, (l) => console.log(l));
      have = target;
      const genSeconds = (performance.now() - t0) / 1000;
      const t1 = performance.now();
      await settle(run, database);
      const settleSeconds = (performance.now() - t1) / 1000;
      const sizes = await sql(
        chUrl,
        `SELECT table, sum(rows), count() FROM system.parts
         WHERE database = '${database}' AND active AND table LIKE 'requests%'
         GROUP BY table ORDER BY table FORMAT TSV`,
      );
      const load = os.loadavg().map((l) => l.toFixed(1));
      lines.push(
        '',
        `## Queries over ${target.toLocaleString()} raw rows (7 days, 997 customers, 20 routes), through the HTTP query API`,
        '',
        `Generated in ${genSeconds.toFixed(0)} s (raw ${g.rawSeconds.toFixed(0)} s, rollups ${g.rollupSeconds.toFixed(0)} s, attach ${g.attachSeconds.toFixed(0)} s), merges settled in ${settleSeconds.toFixed(0)} s. Load average before the queries: ${load.join(' / ')} (1/5/15 min). Rows (active parts) per table: ${sizes
          .split('\n')
          .map((l) => {
            const [table, rows, parts] = l.split('\t');
            return `${table} ${Number(rows).toLocaleString()} (${parts})`;
          })
          .join(', ')}.`,
        '',
        '| query | p50 ms | p95 ms | runs |',
        '|---|---:|---:|---:|',
      );
      await benchQueries(
        collector.url,
        ADMIN_TOKEN,
        dashboardQueries('cus_5', '/v1/r5', 'POST'),
        QUERY_RUNS,
        (q) => {
          lines.push(`| ${q.name} | ${q.p50} | ${q.p95} | ${q.runs} |`);
          console.log(lines[lines.length - 1]);
        },
      );
      lines.push(
        '',
        `Load average after: ${os
          .loadavg()
          .map((l) => l.toFixed(1))
          .join(' / ')}.`,
      );
    }
    await collector.close();
    await sql(chUrl, `DROP DATABASE ${database}`);
  } finally {
    await ch.close();
  }
  const report = lines.join('\n');
  console.log(`\n${report}`);
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(
      dir,
      `collector-${INGEST_EVENTS === 0 ? 'queries-' : ROW_TARGETS.length === 0 ? 'ingest-' : ''}${new Date().toISOString().slice(0, 10)}.md`,
    ),
    `${report}\n`,
  );
}

await main();
