// Open-loop fixed-rate load generator (wrk2 is not packaged in Debian, and autocannon's
// `overallRate` sends each connection's quota in a burst at the start of every second, which
// measures burst queueing rather than latency at a steady rate).
// Requests are scheduled at exact intervals of 1/rate; latency is measured from the scheduled
// time, not the send time, so a stalled server cannot hide its stall (coordinated omission).
// The warm-up ramps the rate up from zero over its first half, then holds it: starting at the
// full rate, the target's first seconds (TLS handshakes, code not yet optimised) and the loader's
// own (its heap growing, with 15–25 ms scavenges) built a queue of up to 800 requests that was
// still draining a second into the measured part, and set some targets' p99 at 300 ms.
// It sends over raw keep-alive connections (bench/lib/http1-pool.ts), not node:http: the loader
// shares a core with the upstream, and its own pauses count in every target's latency.
// Usage: fixed-rate.ts <url> <rate> <durationS> <warmupS> <connections> [headersJson]
// Prints one `BENCH_READY {json}` line with the result.
import { rampedArrivals } from '../lib/arrival-schedule.js';
import { http1Pool } from '../lib/http1-pool.js';
import { percentileSorted } from '../lib/stats.js';
import { announceReady } from '../servers/ready.js';

const [url, rateS, durationS, warmupS, connectionsS, headersJson] = process.argv.slice(2);
if (!url || !rateS || !durationS || !warmupS || !connectionsS) {
  throw new Error(
    'usage: fixed-rate.ts <url> <rate> <durationS> <warmupS> <connections> [headers]',
  );
}
const rate = Number(rateS);
const warmupMs = Number(warmupS) * 1000;
const totalMs = warmupMs + Number(durationS) * 1000;
const connections = Number(connectionsS);
const headers = headersJson ? (JSON.parse(headersJson) as Record<string, string>) : {};
const pool = http1Pool(url, connections, headers);

const { total, offsetMs: scheduledOffset } = rampedArrivals(rate, warmupMs / 2, totalMs);
const latencies = new Float64Array(total);
const serviceTimes = new Float64Array(total);
// The worst latency of the requests scheduled in each 100 ms of the measured part: whether a tail
// is one episode or a pattern (and its period) is the first question about it.
const SLICE_MS = 100;
const sliceMax = new Float64Array(Math.ceil((totalMs - warmupMs) / SLICE_MS) + 1);
// And how late the loader itself sent them (its timer, its own GC, its core busy): a slow slice
// whose requests left on time is the target's; one whose requests left late in a bunch is, at
// least in part, the loader's.
const sliceSendLate = new Float64Array(sliceMax.length);
let recorded = 0;
let sent = 0;
let done = 0;
let errors = 0;
/** Socket errors by code (ECONNRESET, …): which kind of failure, not only how many. */
const errorCodes: Record<string, number> = {};
let non2xx = 0;
const start = performance.now();

function fire(scheduledAt: number): void {
  const sentAt = performance.now();
  pool.send((status, error) => {
    if (status === null) {
      errors++;
      const code = error ?? 'unknown';
      errorCodes[code] = (errorCodes[code] ?? 0) + 1;
      finish();
      return;
    }
    const now = performance.now();
    if (status >= 400) non2xx++;
    if (scheduledAt - start >= warmupMs) {
      latencies[recorded] = now - scheduledAt;
      const slice = Math.floor((scheduledAt - start - warmupMs) / SLICE_MS);
      if (now - scheduledAt > sliceMax[slice]!) sliceMax[slice] = now - scheduledAt;
      if (sentAt - scheduledAt > sliceSendLate[slice]!) sliceSendLate[slice] = sentAt - scheduledAt;
      serviceTimes[recorded] = now - sentAt;
      recorded++;
    }
    finish();
  });
}

function finish(): void {
  done++;
  if (done === total) report();
}

function tick(): void {
  const elapsed = performance.now() - start;
  while (sent < total && scheduledOffset(sent) <= elapsed) {
    fire(start + scheduledOffset(sent));
    sent++;
  }
  if (sent < total) setTimeout(tick, 1);
}

function report(): void {
  const lat = latencies.subarray(0, recorded).sort();
  const svc = serviceTimes.subarray(0, recorded).sort();
  const elapsedS = (performance.now() - start - warmupMs) / 1000;
  announceReady({
    rate,
    achievedRate: recorded / elapsedS,
    requests: recorded,
    errors,
    errorCodes,
    non2xx,
    p50Ms: recorded ? percentileSorted(lat, 50) : null,
    p99Ms: recorded ? percentileSorted(lat, 99) : null,
    p999Ms: recorded ? percentileSorted(lat, 99.9) : null,
    maxMs: recorded ? lat[lat.length - 1] : null,
    serviceP99Ms: recorded ? percentileSorted(svc, 99) : null,
    sliceMs: SLICE_MS,
    sliceMaxMs: Array.from(sliceMax, (v) => Math.round(v * 10) / 10),
    sliceSendLateMs: Array.from(sliceSendLate, (v) => Math.round(v * 10) / 10),
  });
  pool.close();
  process.exit(0);
}

// Safety net: a server that stops answering must not hang the benchmark.
setTimeout(() => {
  errors += total - done;
  errorCodes['no answer'] = total - done;
  report();
}, totalMs + 30_000).unref();

tick();
