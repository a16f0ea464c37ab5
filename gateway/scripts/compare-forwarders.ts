/**
 * Quick forwarder comparison for issue 3 (the full benchmark is `npm run bench`):
 * node:http + undici Pool vs node:http + http-proxy-middleware, same upstream, plus the full
 * gateway chain over HTTPS. Each server runs in its own process; the proxy is pinned to core 1,
 * the upstream and autocannon to core 0 (`taskset`), like ../../../shared/PERF-BASELINE.md.
 *
 *   node --import tsx gateway/scripts/compare-forwarders.ts [seconds]
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const [mode, arg] = process.argv.slice(2);
const BODY = Buffer.from(
  JSON.stringify({
    id: 'ord_01HZX3K9V8Q2W7RT5M4N6B1C0D',
    customer_id: 'cus_01HZX3K9V8Q2W7RT5M4N6B1C0E',
    status: 'paid',
    currency: 'EUR',
    total_cents: 12990,
    items: [{ sku: 'GH-TSHIRT-M', quantity: 2, unit_cents: 4995 }],
    created_at: '2026-11-24T10:15:30.000Z',
  }),
);

function ready(url: string): void {
  process.stdout.write(`READY ${url}\n`);
}

async function serve(): Promise<void> {
  if (mode === 'upstream') {
    const s = createServer((req, res) => {
      const body =
        req.url === '/openapi.json' ? Buffer.from('{"paths":{"/v1/orders/{id}":{}}}') : BODY;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
    s.keepAliveTimeout = 65_000;
    s.listen(0, '127.0.0.1', () => ready(`http://127.0.0.1:${(s.address() as AddressInfo).port}`));
    return;
  }
  const upstream = arg!;
  if (mode === 'undici') {
    const { Pool } = await import('undici');
    const pool = new Pool(upstream, { connections: 64, keepAliveTimeout: 30_000 });
    const s = createServer(async (req: IncomingMessage, res: ServerResponse) => {
      try {
        const r = await pool.request({ path: req.url ?? '/', method: 'GET', headers: req.headers });
        res.writeHead(r.statusCode, r.headers as Record<string, string>);
        r.body.pipe(res);
      } catch {
        res.writeHead(502).end();
      }
    });
    s.keepAliveTimeout = 65_000;
    s.listen(0, '127.0.0.1', () => ready(`http://127.0.0.1:${(s.address() as AddressInfo).port}`));
    return;
  }
  if (mode === 'hpm') {
    const { createProxyMiddleware } = await import('http-proxy-middleware');
    const proxy = createProxyMiddleware({
      target: upstream,
      agent: new Agent({ keepAlive: true, maxSockets: 64 }),
    });
    const s = createServer((req, res) => {
      void proxy(req, res, () => res.writeHead(404).end());
    });
    s.keepAliveTimeout = 65_000;
    s.listen(0, '127.0.0.1', () => ready(`http://127.0.0.1:${(s.address() as AddressInfo).port}`));
    return;
  }
  if (mode === 'gateway') {
    const { parseConfig } = await import('../src/config.js');
    const { startGateway } = await import('../src/app.js');
    const { createLogger } = await import('../src/logger.js');
    const config = parseConfig({
      httpsPort: 0,
      httpPort: 0,
      adminPort: 0,
      upstreamUrl: upstream,
      dataDir: mkdtempSync(join(tmpdir(), 'gw-bench-')),
      adminToken: 'bench-operator-token-0123456789',
      workers: 1,
      logLevel: 'warn',
    });
    const gw = await startGateway(config, { logger: createLogger('warn') });
    await gw.store.createPlan({
      name: 'bench',
      requests_per_minute: 100_000_000,
      burst: 1_000_000,
    });
    const customer = await gw.store.createCustomer({ name: 'bench', plan: 'bench' });
    const key = await gw.store.createApiKey({ customerId: customer!.id });
    await gw.cache.refresh();
    ready(`${gw.httpsUrl} ${key.key}`);
    // A clean exit, so `node --cpu-prof` writes its profile.
    process.once('SIGINT', () => void gw.close().then(() => process.exit(0)));
    return;
  }
  throw new Error(`unknown mode ${mode}`);
}

function start(
  core: number,
  m: string,
  extra?: string,
): Promise<{ child: ChildProcess; line: string }> {
  const args = ['-c', String(core), process.execPath, '--import', 'tsx', self, m];
  if (extra) args.push(extra);
  const child = spawn('taskset', args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m2 = /READY (.+)\n/.exec(out);
      if (m2) resolve({ child, line: m2[1]! });
    });
    child.once('exit', (code) => reject(new Error(`${m} exited ${code}`)));
  });
}

function cannon(url: string, seconds: number, headers: string[] = []): number {
  const bin = fileURLToPath(new URL('../../node_modules/.bin/autocannon', import.meta.url));
  const args = [
    '-c',
    '0',
    bin,
    '-c',
    '50',
    '-d',
    String(seconds),
    '-j',
    ...headers.flatMap((h) => ['-H', h]),
    url,
  ];
  const out = execFileSync('taskset', args, {
    encoding: 'utf8',
    env: { ...process.env, NODE_TLS_REJECT_UNAUTHORIZED: '0' },
    maxBuffer: 10 * 1024 * 1024,
  });
  const r = JSON.parse(out) as { requests: { average: number }; non2xx: number; errors: number };
  if (r.non2xx > 0 || r.errors > 0)
    process.stderr.write(`  (${url}: ${r.non2xx} non-2xx, ${r.errors} errors)\n`);
  return Math.round(r.requests.average);
}

async function drive(): Promise<void> {
  const seconds = Number(mode ?? 5);
  const up = await start(0, 'upstream');
  const results: Record<string, number[]> = { undici: [], hpm: [], gateway: [] };
  const procs: ChildProcess[] = [up.child];
  try {
    const undici = await start(1, 'undici', up.line);
    const hpm = await start(1, 'hpm', up.line);
    const gw = await start(1, 'gateway', up.line);
    procs.push(undici.child, hpm.child, gw.child);
    const [gwUrl, key] = gw.line.split(' ');
    for (let round = 0; round < 2; round++) {
      results.undici!.push(cannon(`${undici.line}/v1/orders/1`, seconds));
      results.hpm!.push(cannon(`${hpm.line}/v1/orders/1`, seconds));
      results.gateway!.push(
        cannon(`${gwUrl}/v1/orders/1`, seconds, [`authorization=Bearer ${key}`]),
      );
    }
    process.stdout.write(`${JSON.stringify(results)}\n`);
  } finally {
    for (const p of procs) p.kill('SIGTERM');
  }
}

if (mode === undefined || /^\d+$/.test(mode)) await drive();
else await serve();
