/**
 * Alerting through the whole stack: the upstream (api) goes down, the gateway answers 5xx,
 * its analytics reach the collector, the collector's evaluator (every second here) takes a
 * rule pending → firing, a real local webhook receiver gets a signed notification, and after
 * the api is back the rule resolves (once good traffic outweighs the failures still inside the
 * trailing one-minute window, or they have left it).
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.js';

const SECRET = 'stack-webhook-secret-0001';

let stack: TestStack;
let tls: Agent;
let receiver: Server;
let receiverUrl: string;
// biome-ignore lint/suspicious/noExplicitAny: assertions walk arbitrary JSON
const received: { headers: IncomingHttpHeaders; body: string; json: any }[] = [];

async function call(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: tests assert on arbitrary JSON shapes
): Promise<{ status: number; body: any }> {
  const res = await request(`${base}${path}`, {
    method: method as 'GET',
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    ...(base === stack.gatewayUrl ? { dispatcher: tls } : {}),
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? JSON.parse(text) : null };
}

/** Calls `step` until `done` holds (bounded), e.g. sending traffic while waiting for a webhook. */
async function until(done: () => boolean, step: () => Promise<void>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await step();
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ headers: req.headers, body, json: JSON.parse(body) });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alerts`;
  stack = await startTestStack({
    partEnv: {
      collector: { ALERT_EVAL_INTERVAL_MS: '1000', ALERT_WEBHOOK_ALLOW_PRIVATE: 'true' },
    },
  });
  tls = new Agent({ connect: { ca: stack.caPem, servername: 'localhost' } });
});

afterAll(async () => {
  await tls?.close();
  await stack?.close();
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
});

it('fires on upstream failures through the gateway, notifies a webhook, and resolves after recovery', async () => {
  const op = { authorization: `Bearer ${stack.adminToken}` };
  const customer = await call(stack.adminUrl, 'POST', '/v1/customers', op, {
    name: 'Alert Co',
    plan: 'pro',
  });
  expect(customer.status).toBe(201);
  const key = await call(stack.adminUrl, 'POST', `/v1/customers/${customer.body.id}/keys`, op, {});
  const auth = { authorization: `Bearer ${key.body.secret}` };
  expect((await call(stack.gatewayUrl, 'GET', '/v1/orders', auth)).status).toBe(200);

  const rule = await call(stack.collectorUrl, 'POST', '/api/v1/alerts/rules', op, {
    name: 'Alert Co failing',
    customer_id: customer.body.id,
    metric: 'error_rate_5xx',
    threshold: 0.5,
    window: '1m',
    min_requests: 10,
    for: '2s',
    severity: 'critical',
    targets: [{ url: receiverUrl, secret: SECRET }],
  });
  expect(rule.status).toBe(201);

  // The upstream dies: every call through the gateway is a 5xx.
  await stack.parts.api.stop();
  const statuses = new Set<number>();
  await until(
    () => received.length > 0,
    async () => {
      for (let i = 0; i < 5; i++)
        statuses.add((await call(stack.gatewayUrl, 'GET', '/v1/orders', auth)).status);
    },
    90_000,
  );
  expect([...statuses].every((s) => s >= 500)).toBe(true);
  const firing = received[0]!;
  expect(firing.json).toMatchObject({
    status: 'firing',
    alerts: [{ labels: { alertname: 'Alert Co failing', customer_id: customer.body.id } }],
  });
  const ts = String(firing.headers['x-gatehouse-timestamp']);
  const expected = `sha256=${createHmac('sha256', SECRET).update(`${ts}.${firing.body}`).digest('hex')}`;
  expect(firing.headers['x-gatehouse-signature']).toBe(expected);
  const firingNow = await call(stack.collectorUrl, 'GET', '/api/v1/alerts/firing', op);
  expect(firingNow.body.items.map((a: { rule_id: string }) => a.rule_id)).toEqual([rule.body.id]);

  // Back up: good traffic until the rule resolves.
  await stack.restart('api');
  await until(
    () => received.length > 1,
    async () => {
      await call(stack.gatewayUrl, 'GET', '/v1/orders', auth);
    },
    100_000,
  );
  // (A gateway still failing for a moment after the restart could start a new episode later;
  // the first two notifications are this one's.)
  expect(received.slice(0, 2).map((r) => r.json.status)).toEqual(['firing', 'resolved']);
  const history = await call(
    stack.collectorUrl,
    'GET',
    `/api/v1/alerts/history?rule_id=${rule.body.id}`,
    op,
  );
  expect(
    history.body.items.map(
      (h: { from_state: string; to_state: string }) => `${h.from_state}>${h.to_state}`,
    ),
  ).toEqual(['firing>resolved', 'pending>firing', 'ok>pending']);
}, 240_000);
