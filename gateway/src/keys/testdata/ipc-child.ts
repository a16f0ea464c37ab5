/**
 * Test fixture: a separate process (like a cluster worker) whose key cache reads through the
 * parent over IPC. It answers `{verify: key}` messages with the cache's verdict.
 */
import { createIpcKeyStore } from '../ipc-key-store.js';
import { createKeyCache } from '../key-cache.js';

const store = createIpcKeyStore(process);
const cache = createKeyCache(store, { refreshMs: 100 });
await cache.start();
process.on('message', (message: unknown) => {
  const m = message as { verify?: string; seq?: number };
  if (typeof m.verify === 'string') {
    process.send?.({ seq: m.seq, check: cache.verify(m.verify) });
  }
  if ((message as { exit?: boolean }).exit) {
    cache.stop();
    store.close();
    process.disconnect();
  }
});
process.send?.({ ready: true });
