import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { READY_PREFIX } from '../lib/processes.js';

interface LoaderResult {
  requests: number;
  errors: number;
  sliceMaxMs: number[];
  sliceSendLateMs: number[];
}

function runLoader(url: string, args: string[]): Promise<LoaderResult> {
  const entry = fileURLToPath(new URL('./fixed-rate.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', entry, url, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('exit', () => {
      const line = out.split('\n').find((l) => l.startsWith(READY_PREFIX));
      if (line) resolve(JSON.parse(line.slice(READY_PREFIX.length)) as LoaderResult);
      else reject(new Error(`no result from the loader:\n${out}`));
    });
  });
}

describe('fixed-rate loader', () => {
  it("reports each slice's slowest request and how late it sent that slice's requests", async () => {
    // A target that holds one request in ten for 60 ms: slow slices the loader sent on time.
    let n = 0;
    const server = createServer((_req, res) => {
      const delay = n++ % 10 === 0 ? 60 : 0;
      setTimeout(() => res.end('{}'), delay);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      // 200 req/s, 1 s measured after a 1 s warm-up, 8 connections.
      const r = await runLoader(`http://127.0.0.1:${port}/`, ['200', '1', '1', '8']);
      expect(r.errors).toBe(0);
      expect(r.requests).toBeGreaterThanOrEqual(190);
      expect(r.sliceSendLateMs).toHaveLength(r.sliceMaxMs.length);
      const measured = r.sliceMaxMs.map((max, i) => ({ max, late: r.sliceSendLateMs[i]! }));
      // A request sent late by x ms was answered at least x ms after its scheduled time.
      for (const s of measured) expect(s.late).toBeLessThanOrEqual(s.max);
      // The target's 60 ms holds show as slow slices whose requests left on time.
      expect(measured.some((s) => s.max >= 55 && s.late < 30)).toBe(true);
    } finally {
      server.close();
    }
  }, 20_000);
});
