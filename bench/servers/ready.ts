// Shared by the server entries: announce readiness to bench/run.ts and exit cleanly on SIGTERM
// (a clean exit is what makes `--cpu-prof` write its profile).
import { READY_PREFIX } from '../lib/processes.js';

export function announceReady(info: Record<string, unknown>): void {
  process.stdout.write(`${READY_PREFIX}${JSON.stringify(info)}\n`);
}

export function exitOnSignal(close: () => Promise<void> | void): void {
  let closing = false;
  const onSignal = () => {
    if (closing) return;
    closing = true;
    const hardStop = setTimeout(() => process.exit(0), 5_000);
    hardStop.unref();
    Promise.resolve()
      .then(close)
      .catch((e: unknown) => console.error(e))
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
