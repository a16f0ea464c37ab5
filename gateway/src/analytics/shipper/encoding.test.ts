/**
 * What reaches the collector is exactly what was pushed, in order: the shipper writes events into
 * off-heap chunks, refers to repeated strings within a batch and starts afresh with each batch, so
 * multi-byte text, long strings and strings repeated across batches must all come out exactly.
 * A plain HTTP receiver stands in for the collector here; the collector itself is covered by
 * index.test.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { RequestEvent } from '@gatehouse/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { eventsOfPost, testEvent } from '../../testing/events.js';
import { createShipper } from './index.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/**
 * Accepts every batch like the collector does and keeps the events and how they came; the first
 * `refuseFirst` POSTs get the 415 a collector from before event batches answers.
 */
async function receiver({ refuseFirst = 0 } = {}): Promise<{
  url: string;
  events: RequestEvent[];
  batches: number[];
  encodings: (string | undefined)[];
}> {
  const events: RequestEvent[] = [];
  const batches: number[] = [];
  const encodings: (string | undefined)[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (refuseFirst > 0) {
        refuseFirst -= 1;
        res.writeHead(415, { 'content-type': 'application/json' });
        res.end('{"error":{"code":"unsupported_encoding","message":"Send the body as NDJSON."}}');
        return;
      }
      const got = eventsOfPost(req.headers, Buffer.concat(chunks));
      events.push(...got);
      batches.push(got.length);
      encodings.push(req.headers['content-encoding']);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ accepted: got.length, duplicates: 0 }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => server.close(() => r())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, events, batches, encodings };
}

function event(i: number): RequestEvent {
  return testEvent({
    request_id: `req_${i}`,
    ts_ms: 1_764_000_000_000 + i,
    customer_id: `cus_${i % 7}`,
    route: '/v1/orders/{id}',
    // Long, multi-byte text: events of up to ~5 KB fill a 64 KiB chunk every dozen or so.
    path: `/v1/orders/ord_${i}/${'é東😀'.repeat(i % 400)}`,
    latency_ms: i / 7,
    upstream_latency_ms: i / 11,
    bytes_out: i,
    user_agent: `agent "quoted" \\ back\tslash \u2028 ${'ü'.repeat(i % 300)}`,
    idempotency_key: i % 2 === 0,
  });
}

describe('shipper encoding', () => {
  it('delivers every pushed event exactly and in order, across chunks and batches', async () => {
    const rx = await receiver();
    const spoolDir = await mkdtemp(path.join(os.tmpdir(), 'gh-shipper-enc-'));
    cleanups.push(() => rm(spoolDir, { recursive: true, force: true }));
    const shipper = createShipper({
      url: rx.url,
      token: 'ingest-token-encoding-test',
      spoolDir,
      maxBatch: 700,
      // One POST at a time, so arrival order is push order (concurrent POSTs may interleave).
      maxInFlight: 1,
      maxQueue: 5_000,
      flushMs: 20,
    });
    const events = Array.from({ length: 3_001 }, (_, i) => event(i));
    for (const e of events) shipper.push(e);
    await shipper.close();

    expect(shipper.stats()).toMatchObject({ sent: 3_001, dropped: 0, rejected: 0, queued: 0 });
    expect(rx.events).toStrictEqual(events);
    // Uncompressed on the wire: writing the batch is the whole cost on the request core.
    expect(rx.encodings.every((e) => e === undefined)).toBe(true);
    // Full batches of maxBatch, then the rest.
    expect(rx.batches.slice(0, 4)).toEqual([700, 700, 700, 700]);
    expect(rx.batches.reduce((a, b) => a + b, 0)).toBe(3_001);
  });

  it('keeps batches an older collector refuses with 415 and delivers them once it is upgraded', async () => {
    const rx = await receiver({ refuseFirst: 3 });
    const spoolDir = await mkdtemp(path.join(os.tmpdir(), 'gh-shipper-enc-'));
    cleanups.push(() => rm(spoolDir, { recursive: true, force: true }));
    const errors: string[] = [];
    const shipper = createShipper({
      url: rx.url,
      token: 'ingest-token-encoding-test',
      spoolDir,
      maxBatch: 10,
      flushMs: 20,
      retryMs: 10,
      maxRetryMs: 20,
      onError: (err) => errors.push((err as Error).message),
    });
    const events = Array.from({ length: 30 }, (_, i) => event(i));
    for (const e of events) shipper.push(e);
    await expect.poll(() => shipper.stats().sent, { timeout: 20_000 }).toBe(30);
    await shipper.close();

    expect(shipper.stats()).toMatchObject({ dropped: 0, rejected: 0, sendFailures: 3 });
    expect(rx.events.map((e) => e.request_id).sort()).toEqual(
      events.map((e) => e.request_id).sort(),
    );
    expect(errors[0]).toBe(
      'collector answered 415: it cannot read these event batches; upgrade the collectors (batches are kept until then)',
    );
  });
});
