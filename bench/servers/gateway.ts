// Starts ONE Gatehouse gateway process (no cluster workers) in a benchmark mode and prints its
// URLs. Usage: gateway.ts '<GatewayBenchOptions as JSON>'. The only place that knows the
// gateway's programmatic API.
//
// - full + https: the real composition root, `startGateway(config)` (which wires the collector
//   shipper from `collectorUrl`), its HTTPS port.
// - every other mode: `startGateway` still runs (store, key cache, admin API), and a second
//   listener in the same process serves a data plane composed here from the gateway's own
//   factories with the same policies as app.ts minus the ones the mode leaves out. The gateway
//   has no switch to turn capture or the whole chain off, and its plain-HTTP port answers 426 by
//   design, so this is how "the same gateway" is measured without them.
//
// Gateway modules are imported through path variables, untyped: the gateway is being built at
// the same time, and a change there must not break the repository's typecheck through bench/;
// a mismatch shows up here as "not measured" with the error.
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { GatewayBenchOptions } from '../lib/gateway-modes.js';
import { benchPath } from '../lib/processes.js';
import { announceReady, exitOnSignal } from './ready.js';

export const UNAVAILABLE_PREFIX = 'BENCH_UNAVAILABLE ';

const opts = JSON.parse(process.argv[2] ?? '{}') as GatewayBenchOptions;

function unavailable(reason: string): never {
  process.stdout.write(`${UNAVAILABLE_PREFIX}${reason}\n`);
  process.exit(3);
}

// biome-ignore lint/suspicious/noExplicitAny: gateway modules are loaded untyped on purpose (see the header)
type Mod = Record<string, any>;

async function load(rel: string): Promise<Mod> {
  const path = benchPath(`../gateway/src/${rel}`);
  if (!existsSync(path)) unavailable(`gateway/src/${rel} not present`);
  return (await import(path)) as Mod;
}

function need(mod: Mod, name: string, rel: string) {
  if (typeof mod[name] !== 'function') unavailable(`gateway/src/${rel} exports no ${name}()`);
  return mod[name];
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** The full chain over HTTPS is the gateway's own composition root, nothing composed here. */
const realRoot = opts.policy === 'full' && opts.protocol === 'https';

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
      // startGateway wires the collector shipper itself when collectorUrl is set.
      ...(realRoot
        ? { collectorUrl: opts.collectorUrl, collectorIngestToken: opts.collectorToken }
        : {}),
    },
    'bench/servers/gateway.ts',
  );

  const gw = await startGateway(config);

  if (realRoot) {
    announceReady({ url: gw.httpsUrl, adminUrl: gw.adminUrl, composed: false });
    exitOnSignal(() => gw.close());
    return;
  }

  const sink = await makeSink();
  const handler = await composeDataPlane(config, gw, sink);
  let server: Server;
  if (opts.protocol === 'https') {
    const servers = await load('listener/servers.ts');
    const tlsMod = await load('listener/tls.ts');
    const tls = await need(
      tlsMod,
      'loadTlsMaterial',
      'listener/tls.ts',
    )({
      certFile: opts.tlsCert,
      keyFile: opts.tlsKey,
      dir: join(opts.dataDir, 'tls'),
    });
    server = need(servers, 'createTlsServer', 'listener/servers.ts')(tls, config.timeouts, handler);
  } else {
    server = createServer(handler);
    server.keepAliveTimeout = config.timeouts.keepAliveMs;
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  announceReady({
    url: `${opts.protocol}://127.0.0.1:${port}`,
    adminUrl: gw.adminUrl,
    composed: true,
  });
  exitOnSignal(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await sink?.close();
    await gw.close();
  });
}

/** For a composed full chain: the collector shipper when a collector runs, else undefined. */
async function makeSink(): Promise<Mod | undefined> {
  if (opts.policy !== 'full' || !opts.collectorUrl || !opts.collectorToken) return undefined;
  const shipper = await load('analytics/shipper/index.ts');
  return need(
    shipper,
    'createShipper',
    'analytics/shipper/index.ts',
  )({
    url: opts.collectorUrl,
    token: opts.collectorToken,
    spoolDir: join(opts.dataDir, 'spool'),
    onError: () => {},
  });
}

/** The data plane of app.ts with the policies this mode keeps. */
// biome-ignore lint/suspicious/noExplicitAny: see the header
async function composeDataPlane(config: any, gw: Mod, sink: Mod | undefined): Promise<Handler> {
  const [dataPlane, routeTable, routeTemplates, forwarderMod, idKey, idSigner, captureMod] =
    await Promise.all([
      load('listener/data-plane.ts'),
      load('proxy/route-table.ts'),
      load('proxy/route-templates.ts'),
      load('proxy/forwarder.ts'),
      load('identity/identity-key.ts'),
      load('identity/identity-signer.ts'),
      load('policies/capture/index.ts'),
    ]);
  const key = need(
    idKey,
    'loadIdentityKey',
    'identity/identity-key.ts',
  )(join(opts.dataDir, 'gateway', 'identity-key.pem'), { generate: true });
  const signer = need(idSigner, 'createIdentitySigner', 'identity/identity-signer.ts')(key);
  const templates = need(
    routeTemplates,
    'createRouteTemplates',
    'proxy/route-templates.ts',
  )({
    upstreamUrl: config.upstreamUrl,
    refreshMs: config.routeTemplatesRefreshMs,
  });
  templates.start();
  const routes = need(
    routeTable,
    'createRouteTable',
    'proxy/route-table.ts',
  )(config.routes, config.upstreamUrl);
  const forwarder = need(
    forwarderMod,
    'createForwarder',
    'proxy/forwarder.ts',
  )({
    upstreams: routes.upstreams,
    timeoutMs: config.upstreamTimeoutMs,
    maxBodyBytes: config.maxBodyBytes,
    signer,
  });

  let before: unknown[] = [];
  let after: unknown[] = [];
  if (opts.policy !== 'nopolicy') {
    const [reqId, hstsMod, cred, body, afl, authMod, rl, memStore] = await Promise.all([
      load('policies/request-id/index.ts'),
      load('policies/hsts/index.ts'),
      load('policies/credentials-in-url/index.ts'),
      load('policies/body-limit/index.ts'),
      load('policies/auth-failure-limit/index.ts'),
      load('policies/auth/index.ts'),
      load('policies/rate-limit/index.ts'),
      load('policies/rate-limit/stores/memory.ts'),
    ]);
    const captureStep =
      opts.policy === 'full'
        ? [
            need(
              captureMod,
              'capture',
              'policies/capture/index.ts',
            )(
              { sink: sink ?? captureMod.nullSink, observe: (e: unknown) => gw.metrics.observe(e) },
              { instance: `bench:${process.pid}` },
            ),
          ]
        : [];
    before = [
      need(reqId, 'requestId', 'policies/request-id/index.ts')(),
      need(hstsMod, 'hsts', 'policies/hsts/index.ts')({ maxAgeSeconds: config.hstsMaxAgeSeconds }),
      ...captureStep,
      need(cred, 'credentialsInUrl', 'policies/credentials-in-url/index.ts')(),
    ];
    after = [
      need(body, 'bodyLimit', 'policies/body-limit/index.ts')({ maxBytes: config.maxBodyBytes }),
      need(
        afl,
        'authFailureLimit',
        'policies/auth-failure-limit/index.ts',
      )(config.authFailureLimit),
      need(authMod, 'auth', 'policies/auth/index.ts')({ keys: gw.cache }, { jwt: config.jwt }),
      need(
        rl,
        'rateLimit',
        'policies/rate-limit/index.ts',
      )(
        { store: need(memStore, 'createMemoryStore', 'policies/rate-limit/stores/memory.ts')() },
        {
          prefix: config.redisPrefix,
          failMode: config.rateLimitFailMode,
          anonymous: config.anonymousLimit,
        },
      ),
    ];
  }
  return need(
    dataPlane,
    'createDataPlane',
    'listener/data-plane.ts',
  )({
    before,
    after,
    routes,
    templates,
    forwarder,
    local: new Map(),
    logger: gw.logger,
    isDraining: () => false,
  });
}

/**
 * CPU profile of the load window only (not start-up or warm-up): with BENCH_CPU_PROFILE_FILE set,
 * the first SIGUSR2 starts the V8 profiler, the second writes the profile (atomically).
 */
function profileOnSignal(file: string): void {
  const session = new Session();
  session.connect();
  let running = false;
  process.on('SIGUSR2', () => {
    if (!running) {
      running = true;
      void session
        .post('Profiler.enable')
        .then(() => session.post('Profiler.setSamplingInterval', { interval: 200 }))
        .then(() => session.post('Profiler.start'));
      return;
    }
    running = false;
    void session.post('Profiler.stop').then(({ profile }) => {
      writeFileSync(`${file}.tmp`, JSON.stringify(profile));
      renameSync(`${file}.tmp`, file);
    });
  });
}

if (process.env.BENCH_CPU_PROFILE_FILE) profileOnSignal(process.env.BENCH_CPU_PROFILE_FILE);

try {
  await main();
} catch (e) {
  unavailable(
    `gateway did not start: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`,
  );
}
