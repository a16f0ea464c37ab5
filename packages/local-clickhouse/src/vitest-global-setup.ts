/**
 * Vitest globalSetup shared by every project that needs ClickHouse (collector, gateway shipper,
 * test/, dashboard e2e): add `globalSetup: ['@gatehouse/local-clickhouse/vitest-global-setup']`
 * (or a relative path to this file) to the project's vitest config.
 *
 * With CLICKHOUSE_URL set, that server is used. Otherwise one project-owned ClickHouse is started
 * for the whole run on free loopback ports (never 18123/19000, so a running `npm start` is left
 * alone, and never shared with another test run, whose teardown would stop it under us), with its
 * data in a temporary directory, and stopped at the end. Tests read the URL with
 * `inject('clickhouseUrl')` or from `process.env.CLICKHOUSE_URL`, which this sets before workers
 * start.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { type LocalClickHouse, startLocalClickHouse } from './local-clickhouse.js';

declare module 'vitest' {
  export interface ProvidedContext {
    clickhouseUrl: string;
  }
}

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

async function startPrivate(): Promise<LocalClickHouse & { dataDir: string }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'gatehouse-clickhouse-test-'));
  const server = await startLocalClickHouse({
    dataDir,
    httpPort: await freePort(),
    tcpPort: await freePort(),
  });
  return { ...server, dataDir };
}

// Several projects list this setup; within one run they share one server.
let shared: Promise<LocalClickHouse & { dataDir: string }> | undefined;
let users = 0;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.CLICKHOUSE_URL;
  if (external) {
    project.provide('clickhouseUrl', external);
    return async () => {};
  }
  shared ??= startPrivate();
  const server = await shared;
  users += 1;
  project.provide('clickhouseUrl', server.url);
  process.env.CLICKHOUSE_URL = server.url;
  return async () => {
    users -= 1;
    if (users === 0) {
      await server.stop();
      await rm(server.dataDir, { recursive: true, force: true });
      shared = undefined;
      delete process.env.CLICKHOUSE_URL;
    }
  };
}
