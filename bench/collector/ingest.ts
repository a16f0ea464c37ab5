/**
 * Ingest half of the collector benchmark: end-to-end throughput of `POST /v1/events` (gzip
 * NDJSON in, acknowledgement only after ClickHouse stored the rows) by client batch size.
 * Called from bench/collector/run.ts; each run uses its own database, dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { loadConfig, startCollector } from '@gatehouse/collector';
import type { RequestEvent } from '@gatehouse/shared';

const INGEST_TOKEN = 'bench-ingest-token-000000';
const ADMIN_TOKEN = 'bench-admin-token-0000000';

export interface IngestBenchOptions {
  chUrl: string;
  /** Events per POST. */
  batch: number;
  /** Events sent in total. */
  events: number;
  /** POSTs in flight at once. */
  concurrency: number;
}

export interface IngestBenchResult {
  batch: number;
  eventsPerSec: number;
  stored: number;
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

function event(i: number, now: number): RequestEvent {
  return {
    request_id: `ing_${i}_${now}`,
    trace_id: '',
    ts_ms: now - (i % 60_000),
    instance: 'bench:1',
    customer_id: `cus_${i % 997}`,
    key_id: `key_${i % 997}`,
    auth_method: 'api_key',
    method: i % 5 === 0 ? 'POST' : 'GET',
    route: `/v1/r${i % 20}`,
    path: `/v1/r${i % 20}`,
    status: i % 50 === 0 ? 500 : 200,
    error_code: i % 50 === 0 ? 'upstream_error' : '',
    latency_ms: (i % 97) * 1.3 + 2,
    upstream_latency_ms: (i % 97) * 1.2,
    bytes_in: 100,
    bytes_out: 1000,
    client_ip: '127.0.0.1',
    user_agent: 'bench',
    rate_limited: false,
    idempotency_key: false,
    idempotent_replayed: false,
  };
}

export async function benchIngest(options: IngestBenchOptions): Promise<IngestBenchResult> {
  const { chUrl, batch, events: total, concurrency } = options;
  const database = `gh_bench_ingest_${randomBytes(4).toString('hex')}`;
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
  const now = Date.now();
  const bodies: Buffer[] = [];
  for (let i = 0; i < total; i += batch) {
    const lines: string[] = [];
    for (let j = i; j < Math.min(total, i + batch); j++) lines.push(JSON.stringify(event(j, now)));
    bodies.push(gzipSync(`${lines.join('\n')}\n`, { level: 1 }));
  }
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        for (;;) {
          const res = await fetch(`${collector.url}/v1/events`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${INGEST_TOKEN}`,
              'content-type': 'application/x-ndjson',
              'content-encoding': 'gzip',
              'gatehouse-batch-attempt': '1',
            },
            body,
          });
          await res.arrayBuffer();
          if (res.status === 200) break;
          if (res.status !== 503) throw new Error(`ingest answered ${res.status}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const stored = Number(await sql(chUrl, `SELECT count() FROM ${database}.requests`));
  await collector.close();
  await sql(chUrl, `DROP DATABASE ${database}`);
  return { batch, eventsPerSec: Math.round(total / seconds), stored };
}
