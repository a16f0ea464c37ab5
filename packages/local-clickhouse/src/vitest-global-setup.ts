/**
 * Vitest globalSetup shared by every project that needs ClickHouse (collector, gateway shipper,
 * test/, dashboard e2e): add `globalSetup: ['@gatehouse/local-clickhouse/vitest-global-setup']`
 * (or a relative path to this file) to the project's vitest config.
 *
 * With CLICKHOUSE_URL set, that server is used. Otherwise one project-owned ClickHouse is started
 * for the whole run on 18124/19001 (not 18123/19000, so a running `npm start` is left alone) and
 * stopped at the end. Tests read the URL with `inject('clickhouseUrl')` or from
 * `process.env.CLICKHOUSE_URL`, which this sets before workers start.
 */
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { type LocalClickHouse, startLocalClickHouse } from './local-clickhouse.js';

declare module 'vitest' {
  export interface ProvidedContext {
    clickhouseUrl: string;
  }
}

export const TEST_HTTP_PORT = 18124;
export const TEST_TCP_PORT = 19001;

// Several projects list this setup; within one run they share one server.
let shared: Promise<LocalClickHouse> | undefined;
let users = 0;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.CLICKHOUSE_URL;
  if (external) {
    project.provide('clickhouseUrl', external);
    return async () => {};
  }
  shared ??= startLocalClickHouse({
    dataDir: path.join(os.tmpdir(), `gatehouse-clickhouse-test-${TEST_HTTP_PORT}`),
    httpPort: TEST_HTTP_PORT,
    tcpPort: TEST_TCP_PORT,
  });
  const server = await shared;
  users += 1;
  project.provide('clickhouseUrl', server.url);
  process.env.CLICKHOUSE_URL = server.url;
  return async () => {
    users -= 1;
    if (users === 0) {
      await server.stop();
      shared = undefined;
      delete process.env.CLICKHOUSE_URL;
    }
  };
}
