import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { http1Pool } from './http1-pool.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

/** A loopback server; the URL of its `/x?y=1`. */
async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/x?y=1`;
}

function sendAll(pool: ReturnType<typeof http1Pool>, n: number) {
  return Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<{ status: number | null; error?: string }>((resolve) =>
          pool.send((status, error) => resolve({ status, error })),
        ),
    ),
  );
}

describe('http1Pool', () => {
  it('sends the request with its headers and reuses at most the bound of connections', async () => {
    const seen: string[] = [];
    const sockets = new Set<unknown>();
    const url = await serve((req, res) => {
      sockets.add(req.socket);
      seen.push(`${req.method} ${req.url} ${req.headers['x-api-key']}`);
      const chunked = req.headers['x-api-key'] === 'k' && seen.length % 2 === 0;
      if (chunked) res.write('{"a":');
      res.end(chunked ? '1}' : '{"ok":true}');
    });
    const pool = http1Pool(url, 3, { 'x-api-key': 'k' });
    const results = await sendAll(pool, 40);
    pool.close();
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(new Set(seen)).toEqual(new Set(['GET /x?y=1 k']));
    expect(seen).toHaveLength(40);
    expect(pool.opened).toBe(3);
    expect(sockets.size).toBe(3);
  });

  it('gives each status as the server sent it', async () => {
    let n = 0;
    const url = await serve((_req, res) => {
      res.statusCode = ++n % 2 ? 429 : 204;
      res.end();
    });
    const pool = http1Pool(url, 1);
    const results = await sendAll(pool, 4);
    pool.close();
    expect(results.map((r) => r.status)).toEqual([429, 204, 429, 204]);
  });

  it('counts a response cut short as an error with its cause, and carries on with a new connection', async () => {
    let n = 0;
    const url = await serve((req, res) => {
      if (++n === 2) {
        res.writeHead(200, { 'content-length': '100' });
        res.write('only part', () => req.socket.destroy());
        return;
      }
      res.end('{}');
    });
    const pool = http1Pool(url, 1);
    const results = await sendAll(pool, 4);
    pool.close();
    expect(results.map((r) => r.status)).toEqual([200, null, 200, 200]);
    expect(results[1]!.error).toBe('closed mid-response');
    expect(pool.opened).toBe(2);
  });

  it('opens a new connection when the server says it closes one, losing no request', async () => {
    let n = 0;
    const url = await serve((_req, res) => {
      // Every third response ends its connection, as a draining server's do.
      if (++n % 3 === 0) res.setHeader('connection', 'close');
      res.end('{}');
    });
    const pool = http1Pool(url, 2);
    const results = await sendAll(pool, 30);
    pool.close();
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(pool.opened).toBeGreaterThan(2);
  });

  it('reports a refused connection by its code', async () => {
    const url = await serve((_req, res) => res.end());
    server!.close();
    await new Promise((r) => setTimeout(r, 10));
    const pool = http1Pool(url, 1);
    const results = await sendAll(pool, 3);
    pool.close();
    expect(results).toEqual(Array(3).fill({ status: null, error: 'ECONNREFUSED' }));
    // One attempt per request, not a reconnect loop.
    expect(pool.opened).toBe(3);
  });
});
