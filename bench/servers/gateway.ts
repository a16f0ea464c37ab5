// Starts ONE Gatehouse gateway process (no cluster) in a benchmark mode and prints its URLs.
// Usage: gateway.ts '<GatewayBenchOptions as JSON>'
// The adapter between the harness and the gateway's programmatic API lives here only.
import { existsSync } from 'node:fs';
import type { GatewayBenchOptions } from '../lib/gateway-modes.js';
import { benchPath } from '../lib/processes.js';
import { announceReady, exitOnSignal } from './ready.js';

export const UNAVAILABLE_PREFIX = 'BENCH_UNAVAILABLE ';

const opts = JSON.parse(process.argv[2] ?? '{}') as GatewayBenchOptions;

function unavailable(reason: string): never {
  process.stdout.write(`${UNAVAILABLE_PREFIX}${reason}\n`);
  process.exit(3);
}

const appPath = benchPath('../gateway/src/app.ts');
if (!existsSync(appPath)) unavailable('gateway/src/app.ts (startGateway) not present yet');
// A path in a variable keeps the harness type-checking while the gateway is still being built.
const app = (await import(appPath)) as Record<string, unknown>;
if (typeof app.startGateway !== 'function')
  unavailable('gateway/src/app.ts exports no startGateway');
void opts;
unavailable('gateway adapter not written yet');
announceReady({});
exitOnSignal(() => {});
