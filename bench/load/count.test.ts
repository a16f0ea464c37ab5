import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { startCountLoader } from '../lib/count-loader.js';
import { allowedCpuList } from '../lib/processes.js';

describe('count loader', () => {
  it('sends exactly N requests, closed-loop or paced at the given rate over every connection', async () => {
    const arrivals: number[] = [];
    const sockets = new Set<unknown>();
    const server = createServer((req, res) => {
      arrivals.push(performance.now());
      sockets.add(req.socket);
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const loader = await startCountLoader(
      allowedCpuList('self') ?? '0',
      `http://127.0.0.1:${port}/`,
      4,
      {},
    );
    try {
      const closed = await loader.run(30);
      expect(closed).toMatchObject({ ok: 30, non2xx: 0, errors: 0 });
      expect(arrivals).toHaveLength(30);

      arrivals.length = 0;
      sockets.clear();
      // 21 requests at 100 a second: the last is due 200 ms after the first, and none leaves early.
      const paced = await loader.run(21, 100);
      expect(paced).toMatchObject({ ok: 21, non2xx: 0, errors: 0 });
      expect(paced.ms).toBeGreaterThanOrEqual(200);
      expect(arrivals).toHaveLength(21);
      expect(arrivals[10]! - arrivals[0]!).toBeGreaterThanOrEqual(90);
      expect(arrivals[20]! - arrivals[0]!).toBeGreaterThanOrEqual(190);
      // Each request is answered long before the next is due, yet all four connections carried
      // some: none is left to idle into a server's keep-alive timeout.
      expect(sockets.size).toBe(4);
    } finally {
      loader.stop();
      server.close();
    }
  }, 20_000);
});
