import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { GATEWAY_NODE_FLAGS } from './node-flags.js';
import { TEST_DATABASE_URL } from './store/testing.js';
import { dropSchema, startUpstream, uniqueLabel, waitFor } from './testing/harness.js';
import { tlsHandshake } from './testing/tls.js';

const schema = uniqueLabel('main');

const dataDir = mkdtempSync(join(tmpdir(), 'gw-main-'));

afterAll(async () => {
  await dropSchema(schema);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('main.ts', () => {
  it('runs two cluster workers sharing one certificate, operator token and TLS session tickets, with the gateway V8 flags, and stops cleanly on SIGTERM', async () => {
    const upstream = await startUpstream();
    const main = fileURLToPath(new URL('./main.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', main], {
      env: {
        PATH: process.env.PATH ?? '',
        GATEWAY_WORKERS: '2',
        GATEWAY_HTTPS_PORT: '0',
        GATEWAY_HTTP_PORT: '0',
        GATEWAY_ADMIN_PORT: '0',
        GATEHOUSE_DATA_DIR: dataDir,
        DATABASE_URL: TEST_DATABASE_URL,
        GATEWAY_DATABASE_SCHEMA: schema,
        GATEWAY_UPSTREAM_URL: upstream.url,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      // Port 0 under cluster: the workers share the port the primary's handle got.
      const listening = () => out.match(/"gateway listening"/g)?.length ?? 0;
      expect(await waitFor(() => listening() === 2, 80_000, 100), out).toBe(true);
      const https = /"https":"(https:\/\/[^"]+)"/.exec(out)![1]!;
      const pids = new Set([...out.matchAll(/"pid":(\d+),"https"/g)].map((m) => m[1]));
      expect(pids.size).toBe(2);
      // The primary was started without the gateway's V8 flags; its workers run with them.
      for (const pid of pids) {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        for (const flag of GATEWAY_NODE_FLAGS) expect(argv).toContain(flag);
      }
      expect(out).not.toContain("without the gateway's V8 flags");
      const token = readFileSync(join(dataDir, 'gateway', 'admin-token'), 'utf8').trim();
      expect(token.length).toBeGreaterThanOrEqual(16);
      const ca = readFileSync(join(dataDir, 'gateway', 'tls', 'cert.pem'));
      // One connection per request: the primary deals connections to the workers in turn,
      // so both workers answer some of them.
      for (let i = 0; i < 4; i++) {
        const agent = new Agent({ connect: { ca, servername: 'localhost' } });
        const res = await request(`${https}/v1/orders`, { dispatcher: agent });
        await res.body.dump();
        expect(res.statusCode).toBe(401);
        await agent.close();
      }
      // A TLS session resumes on whichever worker takes the next connection (they are dealt
      // in turn, so these land on both): every worker derives the same ticket keys.
      const first = await tlsHandshake(https, ca);
      expect(first.reused).toBe(false);
      for (let i = 0; i < 4; i++) {
        expect((await tlsHandshake(https, ca, first.ticket)).reused).toBe(true);
      }
      // Whichever worker answers the scrape, it reports the whole cluster (the primary sums
      // every worker's registry): all 4 requests, not the 2 one worker saw.
      const admin = /"admin":"(http:\/\/[^"]+)"/.exec(out)![1]!;
      const metrics = await (await fetch(`${admin}/metrics`)).text();
      const fourxx = [
        ...metrics.matchAll(
          /^gatehouse_gateway_requests_total\{[^}]*status_class="4xx"\} (\d+)$/gm,
        ),
      ].reduce((sum, m) => sum + Number(m[1]), 0);
      expect(fourxx).toBe(4);
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await upstream.close();
    }
  }, 120_000);
});
