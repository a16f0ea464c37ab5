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
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, startCollector } from '@gatehouse/collector';
import { startLocalClickHouse } from '@gatehouse/local-clickhouse';
import { Agent, fetch } from 'undici';
import { generate, settle } from './generate.js';
import { benchIngest, ingestTableHeader, ingestTableRow } from './ingest.js';
import { benchQueries, dashboardQueries } from './queries.js';

const args: Record<string, string> = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v ?? ''];
  }),
);
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

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

// Idle sockets are dropped well before ClickHouse's keep_alive_timeout (10 s), so a statement
// after a long pause never goes out on a socket the server is closing; bulk statements run long.
const chAgent = new Agent({ keepAliveTimeout: 2_000, headersTimeout: 0, bodyTimeout: 0 });

async function sql(url: string, query: string): Promise<string> {
  const res = await fetch(`${url}/?output_format_json_quote_64bit_integers=0`, {
    dispatcher: chAgent,
    method: 'POST',
    body: query,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`ClickHouse: ${text}`);
  return text.trim();
}

async function main(): Promise<void> {
  let chUrl = process.env.CLICKHOUSE_URL;
  let stop: (() => Promise<void>) | undefined;
  let dataDir: string | undefined;
  if (!chUrl) {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'gh-bench-ch-'));
    const ch = await startLocalClickHouse({
      dataDir,
      httpPort: await freePort(),
      tcpPort: await freePort(),
    });
    chUrl = ch.url;
    stop = ch.stop;
  }
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
    await stop?.();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
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
