/**
 * What reaches the collector is exactly what was pushed, in order: the shipper writes lines into
 * off-heap blocks and cuts batches across block boundaries, so multi-byte text and long lines
 * must come out byte for byte. A plain HTTP receiver stands in for the collector here; the
 * collector itself is covered by index.test.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { eventFromRow, type RequestEvent } from '@gatehouse/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { createShipper } from './index.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** Accepts every batch like the collector does and keeps the decoded lines. */
async function receiver(): Promise<{ url: string; lines: string[]; batches: number[] }> {
  const lines: string[] = [];
  const batches: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = gunzipSync(Buffer.concat(chunks)).toString('utf8');
      const got = text.split('\n');
      expect(got.pop()).toBe(''); // every line ends with \n
      lines.push(...got);
      batches.push(got.length);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ accepted: got.length, duplicates: 0 }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, lines, batches };
}

function event(i: number): RequestEvent {
  return {
    request_id: `req_${i}`,
    trace_id: '',
    ts_ms: 1_764_000_000_000 + i,
    instance: 'gw:1',
    customer_id: `cus_${i % 7}`,
    key_id: 'key_1',
    auth_method: 'api_key',
    method: 'GET',
    route: '/v1/orders/{id}',
    // Long, multi-byte and escaped text: lines of ~5 KB fill a 1 MiB block every ~200 events.
    path: `/v1/orders/ord_${i}/${'é東😀'.repeat(i % 400)}`,
    status: 200,
    error_code: '',
    latency_ms: i / 7,
    upstream_latency_ms: i / 11,
    bytes_in: 0,
    bytes_out: i,
    client_ip: '127.0.0.1',
    user_agent: `agent "quoted" \\ back\tslash \u2028 ${'ü'.repeat(i % 300)}`,
    rate_limited: false,
    idempotency_key: i % 2 === 0,
    idempotent_replayed: false,
  };
}

describe('shipper encoding', () => {
  it('delivers every pushed event byte for byte and in order, across blocks and batches', async () => {
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
    expect(rx.lines).toHaveLength(3_001);
    // One positional line per event, each reading back as exactly the event pushed.
    expect(rx.lines.map((l) => eventFromRow(JSON.parse(l) as unknown[]))).toStrictEqual(events);
    expect(rx.lines.every((l) => l.startsWith('["'))).toBe(true);
    // Full batches of maxBatch, then the rest.
    expect(rx.batches.slice(0, 4)).toEqual([700, 700, 700, 700]);
    expect(rx.batches.reduce((a, b) => a + b, 0)).toBe(3_001);
  });
});
