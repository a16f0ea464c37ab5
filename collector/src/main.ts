/** Process entry: parse config, start, stop cleanly on SIGTERM/SIGINT. */
import { startCollector } from './app.js';
import { ConfigError, loadConfig } from './config.js';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`collector: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const collector = await startCollector(config).catch((err: Error) => {
    console.error(`collector: ${err.message}`);
    process.exit(1);
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`collector: ${signal}, flushing and stopping`);
    collector.close().then(
      () => process.exit(0),
      (err: Error) => {
        console.error(`collector: stop failed: ${err.message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

void main();
