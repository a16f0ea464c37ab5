import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalClickHouseError, pingClickHouse, startLocalClickHouse } from './local-clickhouse.js';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

describe('startLocalClickHouse', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('starts a server on the given loopback ports, reuses it, and stops it', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'gh-lch-'));
    dirs.push(dataDir);
    const [httpPort, tcpPort] = [await freePort(), await freePort()];
    const server = await startLocalClickHouse({ dataDir, httpPort, tcpPort });
    try {
      expect(server.owned).toBe(true);
      expect(server.url).toBe(`http://127.0.0.1:${httpPort}`);
      const res = await fetch(
        `${server.url}/?query=${encodeURIComponent("SELECT value FROM system.settings WHERE name='max_threads'")}`,
      );
      expect(res.status).toBe(200);

      const again = await startLocalClickHouse({ dataDir, httpPort, tcpPort });
      expect(again.owned).toBe(false);
      await again.stop();
      expect(await pingClickHouse(server.url)).toBe(true);
    } finally {
      await server.stop();
    }
    expect(await pingClickHouse(server.url)).toBe(false);
  });

  it('says how to install the server when the binary is missing', async () => {
    const httpPort = await freePort();
    await expect(
      startLocalClickHouse({
        dataDir: os.tmpdir(),
        httpPort,
        binary: '/nonexistent/clickhouse-server',
      }),
    ).rejects.toThrow(LocalClickHouseError);
    await expect(
      startLocalClickHouse({
        dataDir: os.tmpdir(),
        httpPort,
        binary: '/nonexistent/clickhouse-server',
      }),
    ).rejects.toThrow(/apt-get install clickhouse-server.*CLICKHOUSE_URL/);
  });
});
