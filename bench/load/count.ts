// Closed-loop loader that sends an exact number of requests when told to, over connections it
// keeps open between batches. The instruction count (bench/lib/callgrind.ts) brackets each batch
// with counter resets and dumps, so the batch must be exactly N requests, and no TLS handshake
// may fall inside it: connections are opened once, by the warm-up batch.
// Usage: count.ts <url> <connections> [headersJson]; then one command per stdin line:
//   `run N` → sends N requests, prints `BENCH_DONE {"ok":…,"non2xx":…,"errors":…,"ms":…}`;
//   `run N R` → the same N requests paced at R a second (request i is due at i/R s, whether or
//   not earlier ones have finished), to count a request's instructions when it arrives alone
//   rather than among many, as at half load.
// Prints `BENCH_READY {}` once it is reading commands.
import { createInterface } from 'node:readline';
import { DONE_PREFIX } from '../lib/callgrind.js';
import { keepAliveClient } from '../lib/net.js';
import { announceReady } from '../servers/ready.js';

const [url, connectionsS, headersJson] = process.argv.slice(2);
if (!url || !connectionsS) throw new Error('usage: count.ts <url> <connections> [headersJson]');
const connections = Number(connectionsS);
const headers = headersJson ? (JSON.parse(headersJson) as Record<string, string>) : {};
const { target, agent, request } = keepAliveClient(url, connections);

interface BatchResult {
  ok: number;
  non2xx: number;
  errors: number;
  ms: number;
}

function one(): Promise<'ok' | 'non2xx' | 'error'> {
  return new Promise((resolve) => {
    const req = request(
      { agent, host: target.hostname, port: target.port, path: target.pathname, headers },
      (res) => {
        res.resume();
        res.on('end', () => resolve((res.statusCode ?? 0) < 300 ? 'ok' : 'non2xx'));
        res.on('error', () => resolve('error'));
      },
    );
    req.on('error', () => resolve('error'));
    req.end();
  });
}

function tally(result: BatchResult, outcome: 'ok' | 'non2xx' | 'error'): void {
  if (outcome === 'ok') result.ok++;
  else if (outcome === 'non2xx') result.non2xx++;
  else result.errors++;
}

async function batch(n: number): Promise<BatchResult> {
  const result: BatchResult = { ok: 0, non2xx: 0, errors: 0, ms: 0 };
  const started = performance.now();
  let next = 0;
  // Each lane sends its next request when its previous one has finished, as wrk does.
  const lane = async () => {
    while (next < n) {
      next++;
      tally(result, await one());
    }
  };
  await Promise.all(Array.from({ length: Math.min(connections, n) }, lane));
  result.ms = performance.now() - started;
  return result;
}

/** N requests, request i sent at `i / rate` seconds (a 1 ms timer sends whatever is due). */
async function pacedBatch(n: number, rate: number): Promise<BatchResult> {
  const result: BatchResult = { ok: 0, non2xx: 0, errors: 0, ms: 0 };
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  let sent = 0;
  await new Promise<void>((allSent) => {
    const tick = () => {
      const due = Math.min(n, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
      for (; sent < due; sent++) {
        inFlight.push(one().then((outcome) => tally(result, outcome)));
      }
      if (sent < n) setTimeout(tick, 1);
      else allSent();
    };
    tick();
  });
  await Promise.all(inFlight);
  result.ms = performance.now() - started;
  return result;
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const m = /^run (\d+)(?: (\d+(?:\.\d+)?))?$/.exec(line.trim());
  if (!m) {
    process.stderr.write(`count.ts: unknown command "${line}"\n`);
    process.exit(2);
  }
  const n = Number(m[1]);
  void (m[2] ? pacedBatch(n, Number(m[2])) : batch(n)).then((r) =>
    process.stdout.write(`${DONE_PREFIX}${JSON.stringify(r)}\n`),
  );
});
lines.on('close', () => process.exit(0));
announceReady({});
