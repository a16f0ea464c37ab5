// Starts ONE Gatehouse gateway process (no cluster workers) in a benchmark mode and prints its
// URLs. Usage: gateway.ts '<GatewayBenchOptions as JSON>'. The only place that knows the
// gateway's programmatic API.
//
// Every mode is `startGateway(config)` itself; the mode is the gateway's own `dataPlane` switch
// (`full`, `no-capture`, `forward-only`), nothing is composed here. Over HTTPS the gateway's
// HTTPS port is measured; over plain HTTP (the TLS cost) a `node:http` server in the same
// process serves the gateway's own request listener (`handleRequest`), since the gateway's
// plain-HTTP port answers 426 by design.
//
// BENCH_GATEWAY_DIR (default: this repository's gateway/) loads the gateway from another
// directory holding `src/` and `migrations/`, e.g. a snapshot of an earlier commit made by
// bench/ab-snapshot.sh, so two versions can run side by side in one run (BENCH_AB_GATEWAY).
//
// Gateway modules are imported through path variables, untyped: a change there must not break
// the repository's typecheck through bench/; a mismatch shows up as "not measured" with the error.
import { writeFileSync, existsSync, renameSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { GatewayBenchOptions, GatewayPolicySet } from '../lib/gateway-modes.js';
import { benchPath } from '../lib/processes.js';
import { startStallLog } from '../lib/stall-log.js';
import { announceReady, exitOnSignal } from './ready.js';

export const UNAVAILABLE_PREFIX = 'BENCH_UNAVAILABLE ';

const opts = JSON.parse(process.argv[2] ?? '{}') as GatewayBenchOptions;

function unavailable(reason: string): never {
  process.stdout.write(`${UNAVAILABLE_PREFIX}${reason}\n`);
  process.exit(3);
}

// biome-ignore lint/suspicious/noExplicitAny: gateway modules are loaded untyped on purpose (see the header)
type Mod = Record<string, any>;

const gatewayDir = process.env.BENCH_GATEWAY_DIR
  ? resolve(process.env.BENCH_GATEWAY_DIR)
  : benchPath('../gateway');

// `dist` (the default): the compiled gateway, as deployed (bench/lib/gateway-build.ts builds it
// and starts this process with `--conditions=gatehouse-dist`); `src`: its TypeScript via tsx.
const build = process.env.BENCH_GATEWAY_BUILD === 'src' ? 'src' : 'dist';

async function load(rel: string): Promise<Mod> {
  const path =
    build === 'dist'
      ? join(gatewayDir, 'dist', rel.replace(/\.ts$/, '.js'))
      : join(gatewayDir, 'src', rel);
  if (!existsSync(path)) unavailable(`${path} not present`);
  return (await import(pathToFileURL(path).href)) as Mod;
}

function need(mod: Mod, name: string, rel: string) {
  if (typeof mod[name] !== 'function') unavailable(`gateway/src/${rel} exports no ${name}()`);
  return mod[name];
}

/** The gateway's `dataPlane` setting for each benchmark mode. */
const DATA_PLANE: Record<GatewayPolicySet, string> = {
  full: 'full',
  nocapture: 'no-capture',
  nopolicy: 'forward-only',
};

async function main(): Promise<void> {
  const app = await load('app.ts');
  const configMod = await load('config.ts');
  const startGateway = need(app, 'startGateway', 'app.ts');
  const parseConfig = need(configMod, 'parseConfig', 'config.ts');

  const config = parseConfig(
    {
      host: '127.0.0.1',
      httpsPort: 0,
      httpPort: 0,
      adminHost: '127.0.0.1',
      adminPort: 0,
      tls: { certFile: opts.tlsCert, keyFile: opts.tlsKey },
      upstreamUrl: opts.upstreamUrl,
      workers: 1,
      adminToken: opts.adminToken,
      dataDir: opts.dataDir,
      databaseUrl: opts.databaseUrl,
      databaseSchema: opts.databaseSchema,
      logLevel: process.env.LOG_LEVEL ?? 'warn',
      dataPlane: DATA_PLANE[opts.policy],
      // startGateway wires the collector shipper itself when collectorUrl is set.
      ...(opts.policy === 'full'
        ? { collectorUrl: opts.collectorUrl, collectorIngestToken: opts.collectorToken }
        : {}),
      ...(opts.analyticsFlushMs ? { analyticsFlushMs: opts.analyticsFlushMs } : {}),
      ...(opts.analyticsBatchEvents ? { analyticsBatchEvents: opts.analyticsBatchEvents } : {}),
    },
    'bench/servers/gateway.ts',
  );

  const gw = await startGateway(config);

  if (opts.protocol === 'https') {
    announceReady({ url: gw.httpsUrl, adminUrl: gw.adminUrl });
    exitOnSignal(() => gw.close());
    return;
  }
  if (typeof gw.handleRequest !== 'function') {
    await gw.close();
    unavailable('startGateway() returns no handleRequest to serve over plain HTTP');
  }
  const server: Server = createServer(gw.handleRequest);
  server.keepAliveTimeout = config.timeouts.keepAliveMs;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  announceReady({ url: `http://127.0.0.1:${port}`, adminUrl: gw.adminUrl });
  exitOnSignal(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await gw.close();
  });
}

/**
 * A profile of the load window only (not start-up or warm-up): the first SIGUSR2 starts the V8
 * profiler, the second writes the profile (atomically). `cpu` (BENCH_CPU_PROFILE_FILE) samples
 * time; `heap` (BENCH_HEAP_PROFILE_FILE) samples allocations, the objects that the GCs have
 * collected since included, so the profile shows what requests allocate, not what survives.
 */
function profileOnSignal(kind: 'cpu' | 'heap', file: string): void {
  const session = new Session();
  session.connect();
  let running = false;
  const start = () =>
    kind === 'cpu'
      ? session
          .post('Profiler.enable')
          .then(() => session.post('Profiler.setSamplingInterval', { interval: 200 }))
          .then(() => session.post('Profiler.start'))
      : session.post('HeapProfiler.enable').then(() =>
          session.post('HeapProfiler.startSampling', {
            samplingInterval: 4096,
            includeObjectsCollectedByMajorGC: true,
            includeObjectsCollectedByMinorGC: true,
          }),
        );
  const stop = async (): Promise<unknown> =>
    kind === 'cpu'
      ? (await session.post('Profiler.stop')).profile
      : (await session.post('HeapProfiler.stopSampling')).profile;
  process.on('SIGUSR2', () => {
    if (!running) {
      running = true;
      void start();
      return;
    }
    running = false;
    void stop().then((profile) => {
      writeFileSync(`${file}.tmp`, JSON.stringify(profile));
      renameSync(`${file}.tmp`, file);
    });
  });
}

if (process.env.BENCH_CPU_PROFILE_FILE) profileOnSignal('cpu', process.env.BENCH_CPU_PROFILE_FILE);
if (process.env.BENCH_HEAP_PROFILE_FILE)
  profileOnSignal('heap', process.env.BENCH_HEAP_PROFILE_FILE);
if (process.env.BENCH_STALL_LOG_FILE) startStallLog(process.env.BENCH_STALL_LOG_FILE);

try {
  await main();
} catch (e) {
  unavailable(
    `gateway did not start: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`,
  );
}
