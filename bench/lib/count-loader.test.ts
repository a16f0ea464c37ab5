import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CountLoader, startCountLoader } from './count-loader.js';

// The instruction count relies on the loader sending exactly N requests per command over the
// connections it opened first: a real server counts what arrives.
describe('count loader', () => {
  let server: Server;
  let url = '';
  let served = 0;
  const sockets = new Set<unknown>();
  let loader: CountLoader;

  beforeAll(async () => {
    server = createServer((req, res) => {
      served++;
      const failing = req.headers['x-fail'] === 'yes' && served % 2 === 0;
      res.writeHead(failing ? 503 : 200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
    server.on('connection', (s) => sockets.add(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/orders/x`;
    loader = await startCountLoader('0', url, 4, {});
  }, 30_000);

  afterAll(() => {
    loader?.stop();
    server?.closeAllConnections();
    server?.close();
  });

  it('sends exactly the number of requests asked for, batch after batch', async () => {
    served = 0;
    const first = await loader.run(37);
    expect(first).toMatchObject({ ok: 37, non2xx: 0, errors: 0 });
    const second = await loader.run(5);
    expect(second).toMatchObject({ ok: 5, non2xx: 0, errors: 0 });
    expect(served).toBe(42);
  });

  it('keeps its connections open between batches (no new handshake inside a window)', async () => {
    await loader.run(20);
    const before = sockets.size;
    await loader.run(20);
    expect(sockets.size).toBe(before);
    expect(before).toBeLessThanOrEqual(4);
  });

  it('counts error statuses apart from successes', async () => {
    const failing = await startCountLoader('0', url, 2, { 'x-fail': 'yes' });
    try {
      served = 0;
      const r = await failing.run(10);
      expect(r.ok + r.non2xx).toBe(10);
      expect(r.non2xx).toBe(5);
    } finally {
      failing.stop();
    }
  }, 30_000);
});
