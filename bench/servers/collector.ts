// Starts a project-owned ClickHouse and the collector, so the full chain ships its events as in
// production. Usage: collector.ts <dataDir>. Run pinned next to the load generator, not the proxy.
import { existsSync } from 'node:fs';
import { startLocalClickHouse } from '@gatehouse/local-clickhouse';
import { freePort } from '../lib/net.js';
import { benchPath } from '../lib/processes.js';
import { announceReady, exitOnSignal } from './ready.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: collector.ts <dataDir>');

const appPath = benchPath('../collector/src/app.ts');
if (!existsSync(appPath)) {
  console.error('collector/src/app.ts (startCollector) not present yet');
  process.exit(3);
}

const clickhouse = await startLocalClickHouse({
  dataDir: `${dataDir}/clickhouse`,
  httpPort: await freePort(),
  tcpPort: await freePort(),
});
// A path in a variable keeps the harness type-checking while the collector is still being built.
const app = (await import(appPath)) as Record<string, unknown>;
void app;
console.error('collector adapter not written yet');
await clickhouse.stop();
process.exit(3);
announceReady({ clickhouseUrl: clickhouse.url });
exitOnSignal(() => clickhouse.stop());
