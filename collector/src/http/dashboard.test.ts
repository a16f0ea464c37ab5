import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { dashboardRoutes } from './dashboard.js';

let dir: string;
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('dashboard serving', () => {
  it('serves built files and falls back to index.html for app routes, not for API paths', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gh-dash-'));
    await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>Gatehouse</title>');
    await writeFile(path.join(dir, 'app.js'), 'console.log(1)');
    const app = express();
    app.use(dashboardRoutes(dir)!);
    app.use((_req, res) => {
      res.status(404).end('nf');
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect(await (await fetch(`${base}/app.js`)).text()).toBe('console.log(1)');
      const spa = await fetch(`${base}/endpoints?range=24h`, { headers: { accept: 'text/html' } });
      expect(spa.status).toBe(200);
      expect(await spa.text()).toContain('<title>Gatehouse</title>');
      expect(
        (await fetch(`${base}/api/v1/nope`, { headers: { accept: 'text/html' } })).status,
      ).toBe(404);
    } finally {
      server.close();
    }
    expect(dashboardRoutes(path.join(dir, 'missing'))).toBeUndefined();
  });
});
