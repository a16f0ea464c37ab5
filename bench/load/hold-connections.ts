// Opens N keep-alive connections (TLS or plain), sends one request on each every `intervalMs`
// (under the server's keep-alive timeout, so none is closed for idleness) and holds them for
// `holdS` seconds, so the server's memory can be read with N connections really open.
// Usage: hold-connections.ts <url> <n> <intervalMs> <holdS> [headersJson]
// Prints `BENCH_READY {"phase":"open",…}` once all connections are up (or the opening phase
// timed out), then `BENCH_READY {"phase":"done",…}` at the end.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { http1GetRequest } from '../lib/http1-pool.js';
import { Http1ResponseReader } from '../lib/http1-reader.js';
import { announceReady } from '../servers/ready.js';

const [url, nS, intervalS, holdS, headersJson] = process.argv.slice(2);
if (!url || !nS || !intervalS || !holdS) {
  throw new Error('usage: hold-connections.ts <url> <n> <intervalMs> <holdS> [headers]');
}
const target = new URL(url);
const n = Number(nS);
const intervalMs = Number(intervalS);
const holdMs = Number(holdS) * 1000;
const headers = headersJson ? (JSON.parse(headersJson) as Record<string, string>) : {};
const tls = target.protocol === 'https:';
const port = Number(target.port || (tls ? 443 : 80));
const request = http1GetRequest(target, headers);

let open = 0;
let peakOpen = 0;
let responses = 0;
let non2xx = 0;
let errors = 0;
const sockets: Socket[] = [];

/** One connection: request, read one response, repeat. */
function startConnection(onUp: () => void): void {
  const socket = tls
    ? tlsConnect({ host: target.hostname, port, rejectUnauthorized: false })
    : netConnect({ host: target.hostname, port });
  sockets.push(socket);
  const reader = new Http1ResponseReader();
  let up = false;
  const send = () => {
    if (!socket.destroyed) socket.write(request);
  };
  socket.once(tls ? 'secureConnect' : 'connect', () => {
    open++;
    peakOpen = Math.max(peakOpen, open);
    send();
  });
  socket.on('data', (chunk: Buffer) => {
    let statuses: number[];
    try {
      statuses = reader.push(chunk);
    } catch {
      errors++;
      socket.destroy();
      return;
    }
    for (const status of statuses) {
      responses++;
      if (status < 200 || status >= 300) non2xx++;
      if (!up) {
        up = true;
        onUp();
      }
      // Spread the next request over the interval so the load is even, not in waves.
      setTimeout(send, intervalMs * (0.75 + Math.random() * 0.25)).unref();
    }
  });
  socket.on('error', () => {
    errors++;
  });
  socket.on('close', () => {
    open--;
    if (!up) {
      up = true;
      onUp();
    }
  });
}

const start = performance.now();
let settled = 0;
let launched = 0;
// At most 200 handshakes in flight: a burst of thousands of SYNs overflows the accept queue.
const maxPending = 200;
await new Promise<void>((resolve) => {
  const openTimeout = setTimeout(resolve, 120_000);
  const launch = () => {
    while (launched < n && launched - settled < maxPending) {
      launched++;
      startConnection(() => {
        settled++;
        if (settled === n) {
          clearTimeout(openTimeout);
          resolve();
        } else launch();
      });
    }
  };
  launch();
});
announceReady({ phase: 'open', open, openedInMs: Math.round(performance.now() - start), errors });
await new Promise((r) => setTimeout(r, holdMs));
announceReady({ phase: 'done', open, peakOpen, responses, non2xx, errors });
for (const s of sockets) s.destroy();
process.exit(0);
