/** Process entry: parse config, start, stop gracefully on SIGTERM/SIGINT. */
import { startApi } from './app.js';
import { loadConfig } from './config.js';

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}

try {
  const api = await startApi(config);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`api: ${signal}, shutting down`);
    api.close().then(
      () => process.exit(0),
      (err) => {
        console.error(`api: shutdown failed: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} catch (err) {
  console.error(`api: failed to start: ${(err as Error).message}`);
  process.exit(1);
}
