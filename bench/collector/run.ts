/**
 * Collector benchmark (not a test): end-to-end ingest throughput by client batch size, and query
 * latency p50/p95 of the query API over generated data sets.
 *
 *   node --import tsx bench/collector/run.ts                        # 500k ingest, 10M rows
 *   node --import tsx bench/collector/run.ts --rows=10000000,100000000 --ingest=1000000
 *
 * Uses CLICKHOUSE_URL when set, else starts a project-owned ClickHouse on free ports in a temp
 * directory. Prints a markdown table and writes it to bench/results/collector-<date>.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, startCollector } from '@gatehouse/collector';
import { startLocalClickHouse } from '@gatehouse/local-clickhouse';
import { benchIngest } from './ingest.js';

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

async function sql(url: string, query: string): Promise<string> {
  const res = await fetch(`${url}/?output_format_json_quote_64bit_integers=0`, {
    method: 'POST',
    body: query,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`ClickHouse: ${text}`);
  return text.trim();
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Appends generated rows (spread over the last 7 days) with INSERT … SELECT; the MV fills the rollup. */
async function generate(chUrl: string, database: string, from: number, to: number): Promise<void> {
  const span = 7 * 86_400_000;
  const start = Date.now() - span;
  const chunk = 10_000_000;
  for (let off = from; off < to; off += chunk) {
    const n = Math.min(chunk, to - off);
    // Rows of a chunk are interleaved over the whole week, like real traffic arriving over time.
    await sql(
      chUrl,
      `INSERT INTO ${database}.requests
       SELECT toDateTime(intDiv(t, 1000), 'UTC'), t, concat('gen_', toString(k)), '', 'gw:1',
         concat('cus_', toString(k % 997)), 'k', 'api_key', if(k % 5 = 0, 'POST', 'GET'),
         concat('/v1/r', toString(k % 20)), '/v1/x',
         toUInt16(multiIf(k % 50 = 0, 500, k % 20 = 0, 429, k % 10 = 0, 404, 200)),
         multiIf(k % 50 = 0, 'upstream_error', k % 20 = 0, 'rate_limited', k % 10 = 0, 'not_found', ''),
         (k % 97) * 1.3 + 2, (k % 97) * 1.2, toUInt64(100), toUInt64(1000), '127.0.0.1', 'bench',
         toUInt8(k % 20 = 0), toUInt8(0), toUInt8(0)
       FROM (SELECT number + ${off} AS k, toUInt64(${start} + intDiv((number + ${off}) * ${span}, ${to})) AS t
             FROM numbers(${n}))`,
    );
    process.stdout.write(`  generated ${(off + n).toLocaleString()} rows\n`);
  }
}

async function benchQueries(
  collectorUrl: string,
): Promise<{ name: string; p50: number; p95: number }[]> {
  const queries: [string, string][] = [
    ['overview 1h (raw)', '/api/v1/overview?range=1h'],
    ['overview 24h (rollup)', '/api/v1/overview?range=24h'],
    ['overview 7d (rollup)', '/api/v1/overview?range=7d'],
    ['endpoints 24h', '/api/v1/endpoints?range=24h'],
    ['endpoints 7d', '/api/v1/endpoints?range=7d'],
    ['customers 24h', '/api/v1/customers?range=24h'],
    ['timeseries 1h (raw)', '/api/v1/timeseries?range=1h'],
    ['timeseries 24h', '/api/v1/timeseries?range=24h'],
    ['timeseries 7d', '/api/v1/timeseries?range=7d'],
    ['requests search 1h, one customer', '/api/v1/requests?range=1h&customer_id=cus_5'],
  ];
  const out: { name: string; p50: number; p95: number }[] = [];
  for (const [name, q] of queries) {
    const times: number[] = [];
    for (let i = 0; i < QUERY_RUNS + 2; i++) {
      const t0 = performance.now();
      const res = await fetch(`${collectorUrl}${q}`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${q} answered ${res.status}`);
      if (i >= 2) times.push(performance.now() - t0); // two warm-up runs
    }
    times.sort((a, b) => a - b);
    out.push({ name, p50: Math.round(pct(times, 50)), p95: Math.round(pct(times, 95)) });
  }
  return out;
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
    `## Ingest, end to end (gzip NDJSON POST → ack after ClickHouse insert), ${INGEST_EVENTS.toLocaleString()} events, ${CONCURRENCY} concurrent senders, collector batch 50k / 1 s`,
    '',
    '| client batch (events/POST) | events/s | stored |',
    '|---:|---:|---:|',
  ];
  try {
    for (const b of CLIENT_BATCHES) {
      const r = await benchIngest({
        chUrl,
        batch: b,
        events: INGEST_EVENTS,
        concurrency: CONCURRENCY,
      });
      lines.push(
        `| ${b.toLocaleString()} | ${r.eventsPerSec.toLocaleString()} | ${r.stored.toLocaleString()} |`,
      );
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
    for (const target of ROW_TARGETS) {
      const t0 = performance.now();
      await generate(chUrl, database, have, target);
      have = target;
      const genSeconds = (performance.now() - t0) / 1000;
      const rollupRows = await sql(chUrl, `SELECT count() FROM ${database}.requests_1m`);
      lines.push(
        '',
        `## Queries over ${target.toLocaleString()} raw rows (7 days; rollup ${Number(rollupRows).toLocaleString()} rows; generated in ${genSeconds.toFixed(0)} s), ${QUERY_RUNS} runs each, through the HTTP query API`,
        '',
        '| query | p50 ms | p95 ms |',
        '|---|---:|---:|',
      );
      for (const q of await benchQueries(collector.url)) {
        lines.push(`| ${q.name} | ${q.p50} | ${q.p95} |`);
        console.log(lines[lines.length - 1]);
      }
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
    path.join(dir, `collector-${new Date().toISOString().slice(0, 10)}.md`),
    `${report}\n`,
  );
}

await main();
