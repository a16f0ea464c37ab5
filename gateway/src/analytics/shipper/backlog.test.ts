/**
 * The spool backlog after a long outage, against a stand-in collector that, like the real one,
 * holds every POST until its next flush tick. Replaying one batch per tick would be no faster
 * than batches were made during the outage; with new events waiting in memory meanwhile, a long
 * enough outage overflowed the memory bound and dropped events after recovery.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventsOfPost, testEvent } from '../../testing/events.js';
import { createShipper } from './index.js';

const TICK_MS = 100;

function fakeCollector() {
  const stored = new Set<string>();
  let up = true;
  let held: (() => void)[] = [];
  const tick = setInterval(() => {
    const release = held;
    held = [];
    for (const f of release) f();
  }, TICK_MS);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (!up) {
        res.writeHead(503, { 'content-type': 'application/json' }).end('{}');
        return;
      }
      held.push(() => {
        const ids = eventsOfPost(req.headers, Buffer.concat(chunks)).map((e) => e.request_id);
        let duplicates = 0;
        for (const id of ids) {
          if (stored.has(id)) duplicates += 1;
          stored.add(id);
        }
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ accepted: ids.length - duplicates, duplicates }));
      });
    });
  });
  return {
    stored,
    setUp: (v: boolean) => {
      up = v;
    },
    listen: () =>
      new Promise<string>((resolve) =>
        server.listen(0, '127.0.0.1', () =>
          resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
        ),
      ),
    close: () => {
      clearInterval(tick);
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('shipper backlog after a long outage', () => {
  it('keeps new events behind the backlog on disk and drains it while traffic continues, dropping none', async () => {
    const collector = fakeCollector();
    const url = await collector.listen();
    const spoolDir = await mkdtemp(path.join(os.tmpdir(), 'gh-shipper-backlog-'));
    cleanups.push(collector.close, () => rm(spoolDir, { recursive: true, force: true }));
    // Memory holds 3 s of traffic; the outage makes 5 s of spooled batches.
    const shipper = createShipper({
      url,
      token: 't',
      spoolDir,
      maxQueue: 300,
      maxBatch: 100,
      flushMs: TICK_MS,
      retryMs: 20,
      maxRetryMs: 50,
    });
    cleanups.push(() => shipper.close());

    let pushed = 0;
    const pushFor = async (ms: number) => {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        pushed += 1;
        shipper.push(testEvent({ request_id: `bk_${pushed}`, ts_ms: Date.now() }));
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    collector.setUp(false);
    await pushFor(5_000);
    collector.setUp(true);
    // Traffic continues at the same rate while the backlog replays.
    await pushFor(6_000);
    const deadline = Date.now() + 60_000;
    while (collector.stored.size < pushed && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const stats = shipper.stats();
    expect({ dropped: stats.dropped, stored: collector.stored.size }).toEqual({
      dropped: 0,
      stored: pushed,
    });
    expect(stats.spooledEvents).toBe(0);
  }, 90_000);
});
