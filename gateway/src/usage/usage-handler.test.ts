import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dropSchema,
  startTestGateway,
  startUpstream,
  TEST_ADMIN_TOKEN,
  type TestGateway,
  type TestUpstream,
} from '../testing/harness.js';

let upstream: TestUpstream;
let collector: Server;
let gw: TestGateway;
const asked: { url: string; auth: string | undefined }[] = [];

beforeAll(async () => {
  collector = createServer((req, res) => {
    asked.push({ url: req.url ?? '', auth: req.headers.authorization });
    const customer = new URL(req.url ?? '/', 'http://x').searchParams.get('customer_id');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ customer_id: customer, requests: 3 }));
  });
  await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
  upstream = await startUpstream();
  gw = await startTestGateway({
    upstreamUrl: upstream.url,
    collectorUrl: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
  });
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  collector?.close();
  if (gw) await dropSchema(gw.config.databaseSchema!);
});

describe('GET /v1/usage', () => {
  it("returns the caller's own usage, never another customer's named in the query", async () => {
    const me = await gw.customerWithKey();
    const other = await gw.customerWithKey();
    const res = await gw.call('GET', `/v1/usage?range=1h&customer_id=${other.customerId}`, {
      headers: { authorization: `Bearer ${me.key}` },
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ customer_id: me.customerId, requests: 3 });
    const call = asked.at(-1)!;
    expect(call.url).toBe(`/api/v1/usage?customer_id=${me.customerId}&range=1h`);
    expect(call.auth).toBe(`Bearer ${TEST_ADMIN_TOKEN}`);
    expect(upstream.forwarded().some((r) => r.url.startsWith('/v1/usage'))).toBe(false);
  });

  it('needs credentials and a valid range', async () => {
    expect((await gw.call('GET', '/v1/usage')).status).toBe(401);
    const { key } = await gw.customerWithKey();
    const bad = await gw.call('GET', '/v1/usage?range=2y', {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(bad.status).toBe(422);
    expect(bad.json.error.field).toBe('range');
  });
});
