/**
 * Ingest half of the collector benchmark: end-to-end throughput of `POST /v1/events` (gzip
 * NDJSON or event batches in, acknowledgement only after ClickHouse stored the rows) by client
 * batch size.
 *
 * The collector runs in this process; the sender runs in a child process (as a gateway would,
 * elsewhere), builds its bodies before the clock starts and only then posts them, so the
 * collector's event loop serves ingest alone. Besides events/s the bench reports the CPU each
 * side spent per million events (collector process, ClickHouse server process including its
 * background merges, sender): on a shared machine throughput moves with the neighbours' load,
 * CPU per event much less.
 *
 *   node --import tsx bench/collector/ingest.ts --ingest=1000000 --batches=1000,10000,50000
 *   ... --lines=positional   (gzip NDJSON of positional lines, what gateways sent before batches)
 *   ... --lines=object       (gzip NDJSON of object lines, what older gateways sent)
 *   (default: event batches, `application/vnd.gatehouse.event-batch`, uncompressed, as gateways send)
 *   node --import tsx bench/collector/run.ts --ingest=... --batches=...   (with the query bench)
 *
 * Uses CLICKHOUSE_URL when set (the server's CPU is read from /proc when it runs on this
 * machine), else starts a project-owned ClickHouse in a temp directory. Each run uses its own
 * database, dropped afterwards.
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { loadConfig, startCollector } from '@gatehouse/collector';
import {
  EVENT_BATCH_CONTENT_TYPE,
  EventBatchWriter,
  eventRow,
  type RequestEvent,
} from '@gatehouse/shared';
import { CLOCK_TICKS, statCpuTicks } from '../lib/processes.js';
import { benchClickHouse, parseFlags, sql } from './clickhouse.js';

const INGEST_TOKEN = 'bench-ingest-token-000000';
const ADMIN_TOKEN = 'bench-admin-token-0000000';
const THIS_FILE = fileURLToPath(import.meta.url);

export interface IngestBenchOptions {
  chUrl: string;
  /** Events per POST. */
  batch: number;
  /** Events sent in total. */
  events: number;
  /** POSTs in flight at once. */
  concurrency: number;
  /** Extra collector environment (e.g. COLLECTOR_BATCH_ROWS) for experiments. */
  env?: Record<string, string>;
  /** The bodies sent: event batches (default, what the gateway sends), positional or object lines. */
  lines?: LineShape;
}

export type LineShape = 'positional' | 'object' | 'binary';

const LINE_SHAPES: readonly LineShape[] = ['positional', 'object', 'binary'];

export interface IngestBenchResult {
  batch: number;
  eventsPerSec: number;
  /** count() and uniqExact(request_id) of the table afterwards: both must equal `events`. */
  stored: number;
  unique: number;
  /** CPU seconds per million events; null when not measurable (remote ClickHouse). */
  cpu: { collector: number; clickhouse: number | null; sender: number };
}

interface SenderJob {
  url: string;
  batch: number;
  total: number;
  concurrency: number;
  now: number;
  lines: LineShape;
}

type SenderMessage =
  | { type: 'ready' }
  | { type: 'done'; seconds: number; cpuSeconds: number }
  | { type: 'error'; message: string };

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

/** The sender child: build every body, say ready, post them all on `go`, report. */
async function runSender(job: SenderJob, send: (m: SenderMessage) => void): Promise<void> {
  const bodies: Buffer[] = [];
  for (let i = 0; i < job.total; i += job.batch) {
    const end = Math.min(job.total, i + job.batch);
    if (job.lines === 'binary') {
      // As the gateway sends a fresh batch: uncompressed.
      const w = new EventBatchWriter();
      for (let j = i; j < end; j++) w.append(event(j, job.now));
      bodies.push(w.finish());
      continue;
    }
    const lines: string[] = [];
    for (let j = i; j < end; j++) {
      // Results before 2026-11-26 used object lines, what the gateway sent then.
      const e = event(j, job.now);
      lines.push(JSON.stringify(job.lines === 'object' ? e : eventRow(e)));
    }
    bodies.push(gzipSync(`${lines.join('\n')}\n`, { level: 1 }));
  }
  const headers: Record<string, string> =
    job.lines === 'binary'
      ? { 'content-type': EVENT_BATCH_CONTENT_TYPE }
      : { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' };
  await new Promise<void>((resolve) => {
    process.once('message', () => resolve());
    send({ type: 'ready' });
  });
  const cpu0 = process.cpuUsage();
  const started = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        for (;;) {
          const res = await fetch(`${job.url}/v1/events`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${INGEST_TOKEN}`,
              ...headers,
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
  const cpu = process.cpuUsage(cpu0);
  send({ type: 'done', seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 });
}

/** The pid of the process listening on the URL's port on this machine, if any. */
function listenerPid(url: string): number | null {
  try {
    const port = new URL(url).port;
    const out = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
    const m = /pid=(\d+)/.exec(out);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** utime + stime of a process, in seconds. */
function processCpuSeconds(pid: number | null): number | null {
  if (pid === null) return null;
  try {
    return statCpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')) / CLOCK_TICKS;
  } catch {
    return null;
  }
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
      // 503s (queue full: back-pressure the sender retries) would log one line each.
      LOG_LEVEL: 'fatal',
      ...options.env,
    }),
    { retention: false },
  );
  const chPid = listenerPid(chUrl);
  // A plain `node --import tsx`, whatever flags (e.g. --cpu-prof) this process runs with.
  const child: ChildProcess = fork(THIS_FILE, ['--sender'], { execArgv: ['--import', 'tsx'] });
  try {
    const messages: SenderMessage[] = [];
    let wake: (() => void) | undefined;
    let exited: Error | undefined;
    child.on('message', (m) => {
      messages.push(m as SenderMessage);
      wake?.();
    });
    child.on('exit', (code) => {
      exited = new Error(`sender exited with ${code}`);
      wake?.();
    });
    const nextMessage = async (): Promise<SenderMessage> => {
      while (messages.length === 0) {
        if (exited) throw exited;
        await new Promise<void>((r) => {
          wake = r;
        });
      }
      const m = messages.shift()!;
      if (m.type === 'error') throw new Error(`sender: ${m.message}`);
      return m;
    };
    const job: SenderJob = {
      url: collector.url,
      batch,
      total,
      concurrency,
      now: Date.now(),
      lines: options.lines ?? 'binary',
    };
    child.send(job);
    await nextMessage(); // ready: bodies built
    const own0 = process.cpuUsage();
    const ch0 = processCpuSeconds(chPid);
    child.send('go');
    const done = await nextMessage();
    if (done.type !== 'done') throw new Error('sender: unexpected message');
    const own = process.cpuUsage(own0);
    const ch1 = processCpuSeconds(chPid);
    const [stored, unique] = (
      await sql(chUrl, `SELECT count(), uniqExact(request_id) FROM ${database}.requests`)
    )
      .split('\t')
      .map(Number) as [number, number];
    const perMillion = 1e6 / total;
    return {
      batch,
      eventsPerSec: Math.round(total / done.seconds),
      stored,
      unique,
      cpu: {
        collector: ((own.user + own.system) / 1e6) * perMillion,
        clickhouse: ch0 === null || ch1 === null ? null : (ch1 - ch0) * perMillion,
        sender: done.cpuSeconds * perMillion,
      },
    };
  } finally {
    child.kill();
    await collector.close();
    await sql(chUrl, `DROP DATABASE ${database}`);
  }
}

/** Markdown rows for a result table (header from `ingestTableHeader`). */
export function ingestTableRow(r: IngestBenchResult): string {
  const f = (n: number | null) => (n === null ? 'n/a' : n.toFixed(1));
  return `| ${r.batch.toLocaleString()} | ${r.eventsPerSec.toLocaleString()} | ${r.stored.toLocaleString()} | ${r.unique.toLocaleString()} | ${f(r.cpu.collector)} | ${f(r.cpu.clickhouse)} | ${f(r.cpu.sender)} |`;
}

export const ingestTableHeader = [
  '| client batch (events/POST) | events/s | stored | unique ids | collector CPU s / 1M | ClickHouse CPU s / 1M | sender CPU s / 1M |',
  '|---:|---:|---:|---:|---:|---:|---:|',
];

async function main(): Promise<void> {
  const args = parseFlags(process.argv.slice(2));
  const events = Number(args.ingest ?? 500_000);
  const batches = (args.batches ?? '1000,10000,50000').split(',').map(Number);
  const concurrency = Number(args.concurrency ?? 8);
  const repeat = Number(args.repeat ?? 1);
  const lines = (args.lines ?? 'binary') as LineShape;
  if (!LINE_SHAPES.includes(lines)) {
    throw new Error(`--lines=${args.lines}: expected ${LINE_SHAPES.join(', ')}`);
  }
  const ch = await benchClickHouse();
  const chUrl = ch.url;
  try {
    console.log(
      `ClickHouse ${await sql(chUrl, 'SELECT version()')}, ${os.cpus().length} cores, load ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(
          ' ',
        )}; ${events.toLocaleString()} events as ${lines === 'binary' ? 'event batches' : `${lines} lines`}, ${concurrency} concurrent senders`,
    );
    console.log(ingestTableHeader.join('\n'));
    for (let k = 0; k < repeat; k++)
      for (const batch of batches)
        console.log(
          ingestTableRow(await benchIngest({ chUrl, batch, events, concurrency, lines })),
        );
    console.log(
      `load afterwards ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
  } finally {
    await ch.close();
  }
}

if (process.argv[1] === THIS_FILE) {
  if (process.argv.includes('--sender')) {
    const send = (m: SenderMessage) => process.send?.(m);
    process.once('message', (job: SenderJob) => {
      runSender(job, send).then(
        () => process.disconnect(),
        (err: Error) => {
          send({ type: 'error', message: err.message });
          process.disconnect();
        },
      );
    });
  } else {
    await main();
  }
}
