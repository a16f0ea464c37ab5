/**
 * Demo data for a first start: a few customers with keys, and a small traffic generator
 * through the gateway so the dashboard shows live data within a minute. Off with
 * GATEHOUSE_DEMO=off.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';

interface DemoOptions {
  adminUrl: string;
  gatewayUrl: string;
  adminToken: string;
  /** The gateway's self-signed certificate, trusted by the generator only. */
  caPem: string | undefined;
}

const DEMO_CUSTOMERS = [
  { name: 'Acme Retail (demo)', plan: 'pro' },
  { name: 'Globex Shipping (demo)', plan: 'pro' },
  { name: 'Initech Labs (demo)', plan: 'free' },
];

interface Customer {
  id: string;
  name: string;
}

async function admin<T>(
  opts: DemoOptions,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${opts.adminUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${opts.adminToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`demo: ${method} ${path} → ${res.status}`);
  return (await res.json()) as T;
}

async function seedKeys(opts: DemoOptions): Promise<string[]> {
  const listed = await admin<{ items: Customer[] }>(opts, 'GET', '/v1/customers');
  const secrets: string[] = [];
  for (const wanted of DEMO_CUSTOMERS) {
    const customer =
      listed.items.find((c) => c.name === wanted.name) ??
      (await admin<Customer>(opts, 'POST', '/v1/customers', wanted));
    // A fresh key each start: secrets are shown once and the launcher keeps none on disk.
    const key = await admin<{ secret: string }>(opts, 'POST', `/v1/customers/${customer.id}/keys`, {
      name: 'demo traffic',
    });
    secrets.push(key.secret);
  }
  return secrets;
}

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)]!;
}

export async function runDemo(opts: DemoOptions): Promise<() => void> {
  const secrets = await seedKeys(opts);
  const dispatcher = new Agent({
    connect: opts.caPem ? { ca: readFileSync(opts.caPem), servername: 'localhost' } : {},
  });
  // Orders per key: another customer's order is (rightly) a 404, which would swamp the demo.
  const orderIds = new Map<string, string[]>(secrets.map((s) => [s, []]));
  const call = async (secret: string) => {
    const mine = orderIds.get(secret)!;
    const roll = Math.random();
    const headers = { authorization: `Bearer ${secret}`, 'content-type': 'application/json' };
    let method = 'GET';
    let path = '/v1/orders?limit=10';
    let body: string | undefined;
    if (roll < 0.35) {
      method = 'POST';
      path = '/v1/orders';
      body = JSON.stringify({
        currency: pick(['USD', 'EUR', 'GBP']),
        items: [
          {
            sku: pick(['SKU-1', 'SKU-2', 'SKU-3']),
            quantity: 1 + Math.floor(Math.random() * 4),
            unit_price_cents: 199 + Math.floor(Math.random() * 5000),
          },
        ],
      });
    } else if (roll < 0.7 && mine.length > 0) {
      path = `/v1/orders/${pick(mine)}`;
    } else if (roll < 0.75) {
      path = '/v1/orders/ord_doesnotexist';
    } else if (roll < 0.8) {
      method = 'POST';
      path = '/v1/orders';
      body = JSON.stringify({ currency: 'usd', items: [] });
    }
    const res = await request(`${opts.gatewayUrl}${path}`, { method, headers, body, dispatcher });
    const text = await res.body.text();
    if (method === 'POST' && res.statusCode === 201) {
      const id = (JSON.parse(text) as { id?: string }).id;
      if (id && mine.length < 500) mine.push(id);
    }
  };

  let stopped = false;
  const loop = async () => {
    while (!stopped) {
      await Promise.all(secrets.map((s) => call(s).catch(() => undefined)));
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 250));
    }
  };
  void loop();
  console.log(
    `gatehouse: demo traffic running for ${secrets.length} demo customers (GATEHOUSE_DEMO=off to disable)`,
  );
  return () => {
    stopped = true;
    void dispatcher.close();
  };
}
