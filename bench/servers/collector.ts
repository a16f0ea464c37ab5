// Starts a project-owned ClickHouse and the collector, so the full chain ships its events as in
// production. Usage: collector.ts <dataDir>. Run it pinned beside the load generator, not on the
// proxy's core. Collector modules load through a path variable, untyped, for the same reason
// as in gateway.ts: a change there must not break the repository's typecheck through bench/.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { startLocalClickHouse } from '@gatehouse/local-clickhouse';
import { freePort } from '../lib/net.js';
import { benchPath } from '../lib/processes.js';
import { announceReady, exitOnSignal } from './ready.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: collector.ts <dataDir>');

// biome-ignore lint/suspicious/noExplicitAny: collector modules are loaded untyped on purpose
type Mod = Record<string, any>;

async function load(rel: string): Promise<Mod> {
  const path = benchPath(`../collector/src/${rel}`);
  if (!existsSync(path)) throw new Error(`collector/src/${rel} not present`);
  return (await import(path)) as Mod;
}

const clickhouse = await startLocalClickHouse({
  dataDir: `${dataDir}/clickhouse`,
  httpPort: await freePort(),
  tcpPort: await freePort(),
});
try {
  const app = await load('app.ts');
  const configMod = await load('config.ts');
  const token = randomBytes(24).toString('base64url');
  const config = configMod.loadConfig({
    CLICKHOUSE_URL: clickhouse.url,
    CLICKHOUSE_DATABASE: `bench_${randomBytes(4).toString('hex')}`,
    COLLECTOR_HOST: '127.0.0.1',
    COLLECTOR_PORT: '0',
    COLLECTOR_INGEST_TOKEN: token,
    GATEHOUSE_ADMIN_TOKEN:
      process.env.GATEHOUSE_ADMIN_TOKEN ?? randomBytes(24).toString('base64url'),
    LOG_LEVEL: 'warn',
  });
  const collector = await app.startCollector(config, { retention: false });
  announceReady({ url: collector.url, token, clickhouseUrl: clickhouse.url });
  exitOnSignal(async () => {
    await collector.close();
    await clickhouse.stop();
  });
} catch (e) {
  console.error(`collector did not start: ${e instanceof Error ? e.message : String(e)}`);
  await clickhouse.stop();
  process.exit(3);
}
