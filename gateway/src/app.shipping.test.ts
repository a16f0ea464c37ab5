/**
 * The gateway as started by `startGateway` with a collector URL: its own shipper (not the test
 * harness's memory sink), batching as GATEWAY_ANALYTICS_FLUSH_MS / _BATCH_EVENTS say, and the
 * events on the wire as positional lines. A plain HTTP server stands in for the collector.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestEvent } from '@gatehouse/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dropSchema,
  startTestGateway,
  startUpstream,
  type TestGateway,
  type TestUpstream,
} from './testing/harness.js';
import { eventsOfPost } from './testing/events.js';

let upstream: TestUpstream;
let collector: Server;
let gw: TestGateway;
let closed = false;
/** Each POST's events, as received. */
const batches: RequestEvent[][] = [];

beforeAll(async () => {
  collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const events = eventsOfPost(req.headers, Buffer.concat(chunks));
      batches.push(events);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ accepted: events.length, duplicates: 0 }));
    });
  });
  await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
  upstream = await startUpstream();
  gw = await startTestGateway(
    {
      upstreamUrl: upstream.url,
      collectorUrl: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
      collectorIngestToken: 'ingest-token-shipping-test',
      // Only a full batch goes before close: nothing here depends on the timer.
      analyticsFlushMs: 600_000,
      analyticsBatchEvents: 3,
    },
    { sink: undefined },
  );
});

afterAll(async () => {
  if (!closed) await gw?.close();
  await upstream?.close();
  collector?.close();
  if (gw) await dropSchema(gw.config.databaseSchema!);
});

describe('shipping analytics to the collector', () => {
  it('sends a batch as soon as it holds GATEWAY_ANALYTICS_BATCH_EVENTS events, the rest on close, as event batches', async () => {
    const { key, customerId } = await gw.customerWithKey();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await gw.call('GET', `/v1/orders?n=${i}`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(res.status).toBe(200);
      ids.push(String(res.headers['x-request-id']));
    }
    await expect.poll(() => batches.length, { timeout: 10_000 }).toBe(1);
    const first = batches[0]!;
    expect(first.map((e) => e.request_id)).toEqual(ids.slice(0, 3));
    expect(first[0]).toMatchObject({
      customer_id: customerId,
      auth_method: 'api_key',
      method: 'GET',
      path: '/v1/orders?n=REDACTED', // query values never reach analytics
      status: 200,
    });

    closed = true;
    await gw.close(); // the fourth event: a partial batch, sent on close
    expect(batches).toHaveLength(2);
    expect(batches[1]!.map((e) => e.request_id)).toEqual(ids.slice(3));
  });
});
