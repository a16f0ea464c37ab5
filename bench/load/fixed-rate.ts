// Open-loop fixed-rate load generator (wrk2 is not packaged in Debian, and autocannon's
// `overallRate` sends each connection's quota in a burst at the start of every second, which
// measures burst queueing rather than latency at a steady rate).
// Requests are scheduled at exact intervals of 1/rate; latency is measured from the scheduled
// time, not the send time, so a stalled server cannot hide its stall (coordinated omission).
// Usage: fixed-rate.ts <url> <rate> <durationS> <warmupS> <connections> [headersJson]
// Prints one `BENCH_READY {json}` line with the result.
import { keepAliveClient } from '../lib/net.js';
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
const { target, agent, request } = keepAliveClient(url, connections);

const total = Math.floor((rate * totalMs) / 1000);
const latencies = new Float64Array(total);
const serviceTimes = new Float64Array(total);
let recorded = 0;
let sent = 0;
let done = 0;
let errors = 0;
let non2xx = 0;
const start = performance.now();

function fire(index: number, scheduledAt: number): void {
  const sentAt = performance.now();
  const req = request(
    {
      agent,
      host: target.hostname,
      port: target.port,
      path: target.pathname + target.search,
      method: 'GET',
      headers,
    },
    (res) => {
      res.on('data', () => {});
      res.on('end', () => {
        const now = performance.now();
        if ((res.statusCode ?? 0) >= 400) non2xx++;
        if (scheduledAt - start >= warmupMs) {
          latencies[recorded] = now - scheduledAt;
          serviceTimes[recorded] = now - sentAt;
          recorded++;
        }
        finish();
      });
    },
  );
  // TCP_NODELAY as wrk sets it: with Nagle on, a small write waiting behind an unacknowledged one
  // meets the peer's delayed ACK (40 ms on Linux), a stall that is the loader's, not the target's.
  req.setNoDelay(true);
  req.on('error', () => {
    errors++;
    finish();
  });
  req.end();
  void index;
}

function finish(): void {
  done++;
  if (done === total) report();
}

function tick(): void {
  const now = performance.now();
  const due = Math.min(total, Math.floor(((now - start) * rate) / 1000));
  while (sent < due) {
    fire(sent, start + (sent * 1000) / rate);
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
    non2xx,
    p50Ms: recorded ? percentileSorted(lat, 50) : null,
    p99Ms: recorded ? percentileSorted(lat, 99) : null,
    p999Ms: recorded ? percentileSorted(lat, 99.9) : null,
    maxMs: recorded ? lat[lat.length - 1] : null,
    serviceP99Ms: recorded ? percentileSorted(svc, 99) : null,
  });
  agent.destroy();
  process.exit(0);
}

// Safety net: a server that stops answering must not hang the benchmark.
setTimeout(() => {
  errors += total - done;
  report();
}, totalMs + 30_000).unref();

tick();
