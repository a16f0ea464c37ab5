/**
 * What capture's encoding costs per event on the gateway's core: the event batch the shipper
 * writes now, against the gzip NDJSON of positional lines it wrote before (the baseline, in the
 * same run), and the gzipped batch the spool keeps. Events look like the bench's traffic: random
 * request and trace ids, a few customers and routes, one user agent.
 *
 *   node --import tsx bench/capture/encoding.ts [--events=5000] [--rounds=30]
 *
 * Each round encodes one batch of `--events` events in each format, in turn; the table shows the
 * fastest round (the least disturbed by the rest of the machine) and the median, per event.
 * This measures the encoding alone, in a hot loop; the instruction count of the whole request
 * path (`BENCH_INSTRUCTIONS=1 npm run bench`) is what the aims are judged by.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { constants, gzipSync } from 'node:zlib';
import { EventBatchWriter, eventRow, type RequestEvent } from '@gatehouse/shared';
import { parseFlags } from '../collector/clickhouse.js';
import { median } from '../lib/stats.js';

const flags = parseFlags(process.argv.slice(2));
const N = Number(flags.events ?? 5000);
const ROUNDS = Number(flags.rounds ?? 30);

const customers = Array.from({ length: 20 }, (_, i) => `cus_${String(i).padStart(6, '0')}`);
const t0 = Date.now();
const events: RequestEvent[] = Array.from({ length: N }, (_, i) => ({
  request_id: randomUUID(),
  trace_id: randomBytes(16).toString('hex'),
  ts_ms: t0 + i + (i % 3),
  instance: 'gw-7f9c:1234',
  customer_id: customers[i % customers.length]!,
  key_id: `key_${i % customers.length}`,
  auth_method: 'api_key',
  method: 'GET',
  route: i % 4 === 0 ? '/v1/orders' : '/v1/orders/{id}',
  path:
    i % 4 === 0 ? '/v1/orders?limit=REDACTED' : `/v1/orders/ord_${randomBytes(6).toString('hex')}`,
  status: i % 50 === 0 ? 404 : 200,
  error_code: i % 50 === 0 ? 'order_not_found' : '',
  latency_ms: Math.round(Math.random() * 3000) / 1000,
  upstream_latency_ms: Math.round(Math.random() * 2000) / 1000,
  bytes_in: 0,
  bytes_out: 200 + (i % 60),
  client_ip: '127.0.0.1',
  user_agent: 'wrk/4.2.0',
  rate_limited: false,
  idempotency_key: false,
  idempotent_replayed: false,
}));

const gzip1 = (b: Buffer) => gzipSync(b, { level: constants.Z_BEST_SPEED });
function positionalLines(): Buffer {
  const lines: string[] = [];
  for (const e of events) lines.push(JSON.stringify(eventRow(e)));
  return Buffer.from(`${lines.join('\n')}\n`);
}
function eventBatch(): Buffer {
  const w = new EventBatchWriter();
  for (const e of events) w.append(e);
  return w.finish();
}

const formats: [string, () => Buffer][] = [
  ['positional NDJSON + gzip (before)', () => gzip1(positionalLines())],
  ['event batch (sent)', eventBatch],
  ['event batch + gzip (spooled)', () => gzip1(eventBatch())],
];
const times = formats.map(() => [] as number[]);
const bytes = formats.map(() => 0);
for (let r = 0; r < ROUNDS; r++) {
  formats.forEach(([, encode], i) => {
    const t = process.hrtime.bigint();
    const body = encode();
    times[i]!.push(Number(process.hrtime.bigint() - t) / N);
    bytes[i] = body.length / N;
  });
}

const base = Math.min(...times[0]!);
console.log(`${N} events per batch, ${ROUNDS} rounds; per event:`);
console.log('| format | ns fastest | ns median | bytes | time vs before |');
console.log('| --- | ---: | ---: | ---: | ---: |');
formats.forEach(([name], i) => {
  const best = Math.min(...times[i]!);
  console.log(
    `| ${name} | ${best.toFixed(0)} | ${median(times[i]!).toFixed(0)} | ${bytes[i]!.toFixed(1)} | ${(best / base).toFixed(2)}× |`,
  );
});
