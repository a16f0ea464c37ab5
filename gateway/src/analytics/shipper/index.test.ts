/**
 * The shipper against a real collector and a real ClickHouse (its own instance, so this file can
 * take it down): events pushed while the collector is closed, or while ClickHouse is down, are
 * spooled, replayed on recovery, and end up stored exactly once.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadConfig, type RunningCollector, startCollector } from '@gatehouse/collector';
import { type LocalClickHouse, startLocalClickHouse } from '@gatehouse/local-clickhouse';
import { eventRow, type RequestEvent } from '@gatehouse/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEvent } from '../../testing/events.js';
import { createShipper, type Shipper } from './index.js';

const TOKEN = 'ingest-token-shipper-test-01';
/** Generous: these tests restart servers, and CI machines can be heavily loaded. */
const SLOW = 180_000;

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

async function waitFor(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

let seq = 0;
function event(): RequestEvent {
  seq += 1;
  return testEvent({
    request_id: `shp_${seq}_${randomBytes(4).toString('hex')}`,
    ts_ms: Date.now(),
  });
}

let chDir: string;
let ch: LocalClickHouse;
let httpPort: number;
let tcpPort: number;
const spoolDirs: string[] = [];

beforeAll(async () => {
  chDir = await mkdtemp(path.join(os.tmpdir(), 'gh-shipper-ch-'));
  httpPort = await freePort();
  tcpPort = await freePort();
  ch = await startLocalClickHouse({ dataDir: chDir, httpPort, tcpPort });
}, SLOW);

afterAll(async () => {
  await ch?.stop();
  await rm(chDir, { recursive: true, force: true });
  await Promise.all(spoolDirs.map((d) => rm(d, { recursive: true, force: true })));
}, SLOW);

async function collectorOn(port: number, database: string): Promise<RunningCollector> {
  const config = loadConfig({
    CLICKHOUSE_URL: ch.url,
    CLICKHOUSE_DATABASE: database,
    COLLECTOR_PORT: String(port),
    COLLECTOR_INGEST_TOKEN: TOKEN,
    GATEHOUSE_ADMIN_TOKEN: 'admin-token-shipper-test-01',
    COLLECTOR_FLUSH_MS: '20',
    LOG_LEVEL: 'silent',
  });
  return startCollector(config, { retention: false });
}

async function stored(database: string): Promise<{ n: number; u: number }> {
  const res = await fetch(
    `${ch.url}/?default_format=JSONEachRow&output_format_json_quote_64bit_integers=0`,
    {
      method: 'POST',
      body: `SELECT count() AS n, uniqExact(request_id) AS u FROM ${database}.requests`,
    },
  );
  return JSON.parse(await res.text());
}

async function newSpoolDir(): Promise<string> {
  const spoolDir = await mkdtemp(path.join(os.tmpdir(), 'gh-shipper-spool-'));
  spoolDirs.push(spoolDir);
  return spoolDir;
}

async function newShipper(url: string, spoolDir?: string): Promise<Shipper> {
  spoolDir ??= await newSpoolDir();
  return createShipper({
    url,
    token: TOKEN,
    spoolDir,
    maxBatch: 50,
    flushMs: 20,
    retryMs: 50,
    maxRetryMs: 200,
    requestTimeoutMs: 5000,
  });
}

function pushMany(s: Shipper, n: number): void {
  for (let i = 0; i < n; i++) s.push(event());
}

describe('shipper', () => {
  it(
    'spools while the collector is closed and replays once it is back: every event stored once',
    async () => {
      const database = `gh_test_${randomBytes(5).toString('hex')}`;
      const port = await freePort();
      let collector = await collectorOn(port, database);
      const shipper = await newShipper(collector.url);
      try {
        pushMany(shipper, 200);
        await waitFor('first 200 acknowledged', () => shipper.stats().sent === 200);

        await collector.close();
        pushMany(shipper, 200);
        await waitFor('events spooled to disk', () => shipper.stats().spooledEvents === 200);
        expect(shipper.stats().spooledBytes).toBeGreaterThan(0);

        collector = await collectorOn(port, database);
        pushMany(shipper, 200);
        await waitFor('backlog replayed', () => {
          const s = shipper.stats();
          return s.sent === 600 && s.spooledEvents === 0 && s.queued === 0;
        });
        await shipper.close();
        expect(shipper.stats()).toMatchObject({ dropped: 0, rejected: 0 });
        expect(await stored(database)).toEqual({ n: 600, u: 600 });
      } finally {
        await shipper.close();
        await collector.close();
      }
    },
    SLOW,
  );

  it(
    'spools while ClickHouse is down (collector answers 503) and stores everything once after',
    async () => {
      const database = `gh_test_${randomBytes(5).toString('hex')}`;
      const collector = await collectorOn(0, database);
      const shipper = await newShipper(collector.url);
      try {
        pushMany(shipper, 150);
        await waitFor('first 150 acknowledged', () => shipper.stats().sent === 150);

        // Crash ClickHouse: inserts fail, the collector answers 503, the shipper keeps the events.
        process.kill(ch.pid!, 'SIGKILL');
        await ch.stop();
        pushMany(shipper, 150);
        await waitFor('events spooled to disk', () => shipper.stats().spooledEvents === 150);
        expect(shipper.stats().sendFailures).toBeGreaterThan(0);

        ch = await startLocalClickHouse({ dataDir: chDir, httpPort, tcpPort });
        pushMany(shipper, 150);
        await waitFor('backlog replayed', () => {
          const s = shipper.stats();
          return s.sent === 450 && s.spooledEvents === 0 && s.queued === 0;
        });
        await shipper.close();
        expect(shipper.stats()).toMatchObject({ dropped: 0, rejected: 0 });
        expect(await stored(database)).toEqual({ n: 450, u: 450 });
      } finally {
        await shipper.close();
        await collector.close();
      }
    },
    SLOW,
  );

  it(
    'drops only the events the collector refuses and delivers the rest',
    async () => {
      const database = `gh_test_${randomBytes(5).toString('hex')}`;
      const collector = await collectorOn(0, database);
      const shipper = await newShipper(collector.url);
      try {
        pushMany(shipper, 10);
        shipper.push({ ...event(), status: 42 });
        pushMany(shipper, 10);
        await shipper.close();
        expect(shipper.stats()).toMatchObject({ sent: 20, rejected: 1, dropped: 0 });
        expect(await stored(database)).toEqual({ n: 20, u: 20 });
      } finally {
        await collector.close();
      }
    },
    SLOW,
  );

  it(
    "replays an older gateway's spool (gzip NDJSON) before its own batches: every event stored once",
    async () => {
      const database = `gh_test_${randomBytes(5).toString('hex')}`;
      const collector = await collectorOn(0, database);
      const spoolDir = await newSpoolDir();
      const old = [event(), event(), event()];
      await writeFile(
        path.join(spoolDir, '000000000007-3.ndjson.gz'),
        // Object lines (older gateways), then positional lines (the release before batches).
        gzipSync(old.map((e, i) => `${JSON.stringify(i === 0 ? e : eventRow(e))}\n`).join('')),
      );
      const shipper = await newShipper(collector.url, spoolDir);
      try {
        pushMany(shipper, 5);
        await waitFor('old and new acknowledged', () => shipper.stats().sent === 8);
        await shipper.close();
        expect(shipper.stats()).toMatchObject({ dropped: 0, rejected: 0, spooledEvents: 0 });
        expect(await stored(database)).toEqual({ n: 8, u: 8 });
        expect(await readdir(spoolDir)).toEqual([]);
      } finally {
        await shipper.close();
        await collector.close();
      }
    },
    SLOW,
  );

  it('counts events dropped when the memory queue is full instead of blocking', async () => {
    const spoolDir = await mkdtemp(path.join(os.tmpdir(), 'gh-shipper-spool-'));
    spoolDirs.push(spoolDir);
    // Nothing listens on this port: everything stays queued or spooled.
    const shipper = createShipper({
      url: `http://127.0.0.1:${await freePort()}`,
      token: TOKEN,
      spoolDir,
      maxQueue: 10,
      maxBatch: 10,
      flushMs: 60_000,
      retryMs: 60_000,
    });
    for (let i = 0; i < 15; i++) shipper.push(event());
    expect(shipper.stats()).toMatchObject({ queued: 10, dropped: 5, droppedQueueFull: 5 });
    await shipper.close();
    // close() tried once, failed, and left the batch on disk for the next process.
    expect(shipper.stats()).toMatchObject({ queued: 0, spooledEvents: 10 });
  });
});
