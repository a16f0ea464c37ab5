/**
 * Shared pieces of the fault tests: a customer with limits high enough that the load never
 * meets them, a bounded request loop through the gateway that records what clients saw, and
 * the ClickHouse counts analytics ended up with.
 */
import tls from 'node:tls';
import { Agent, request } from 'undici';
import type { TestStack } from '../support/stack.js';

export interface LoadResult {
  /** Requests the gateway answered, by status code. */
  statuses: Record<number, number>;
  /** Requests that got no response at all, by error code (e.g. ECONNREFUSED). */
  errors: Record<string, number>;
  answered: number;
  /** Request ids the gateway returned in `x-request-id`. */
  requestIds: string[];
}

export function emptyResult(): LoadResult {
  return { statuses: {}, errors: {}, answered: 0, requestIds: [] };
}

export function merge(into: LoadResult, from: LoadResult): LoadResult {
  for (const [k, v] of Object.entries(from.statuses))
    into.statuses[Number(k)] = (into.statuses[Number(k)] ?? 0) + v;
  for (const [k, v] of Object.entries(from.errors)) into.errors[k] = (into.errors[k] ?? 0) + v;
  into.answered += from.answered;
  into.requestIds.push(...from.requestIds);
  return into;
}

export async function adminCall<T>(
  stack: TestStack,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await request(`${stack.adminUrl}${path}`, {
    method: method as 'GET',
    headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: (text ? JSON.parse(text) : null) as T };
}

/** A fresh customer (its own id isolates its analytics rows) on a plan no test load can reach. */
export async function newCustomer(
  stack: TestStack,
  name: string,
): Promise<{ id: string; secret: string }> {
  const plan = 'faults-unlimited';
  const existing = await adminCall(stack, 'GET', `/v1/plans/${plan}`);
  if (existing.status === 404) {
    const created = await adminCall(stack, 'POST', '/v1/plans', {
      name: plan,
      requests_per_minute: 1_000_000,
      burst: 100_000,
    });
    if (created.status !== 201) throw new Error(`plan: ${created.status}`);
  }
  const customer = await adminCall<{ id: string }>(stack, 'POST', '/v1/customers', {
    name,
    plan,
  });
  if (customer.status !== 201) throw new Error(`customer: ${customer.status}`);
  const key = await adminCall<{ secret: string }>(
    stack,
    'POST',
    `/v1/customers/${customer.body.id}/keys`,
    {},
  );
  if (key.status !== 201) throw new Error(`key: ${key.status}`);
  return { id: customer.body.id, secret: key.body.secret };
}

export interface LoadOptions {
  count: number;
  /** Requests in flight at once. */
  concurrency?: number;
  path?: string;
  method?: string;
  body?: unknown;
  secret: string;
  /**
   * Open a new connection for every request, so a gateway that stops listening shows up as a
   * refused connect rather than a reused socket that was closed while idle.
   */
  freshConnections?: boolean;
  /** Per-request limit on waiting for a response (a bound, never an assertion). */
  timeoutMs?: number;
  /** Called after each finished request with how many have finished (to time a fault). */
  onProgress?: (done: number) => void;
}

function loadAgent(stack: TestStack, o: { timeoutMs?: number; freshConnections?: boolean }) {
  const timeoutMs = o.timeoutMs ?? 20_000;
  return new Agent({
    connect: { ca: stack.caPem, servername: 'localhost' },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    ...(o.freshConnections ? { pipelining: 0 } : {}),
  });
}

/** One request through the gateway; its outcome goes into `result`. Never throws. */
async function sendOne(
  stack: TestStack,
  agent: Agent,
  o: Omit<LoadOptions, 'count'>,
  result: LoadResult,
): Promise<void> {
  try {
    const res = await request(`${stack.gatewayUrl}${o.path ?? '/v1/orders?limit=1'}`, {
      method: (o.method ?? 'GET') as 'GET',
      headers: {
        authorization: `Bearer ${o.secret}`,
        ...(o.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(o.freshConnections ? { connection: 'close' } : {}),
      },
      body: o.body === undefined ? undefined : JSON.stringify(o.body),
      dispatcher: agent,
      reset: o.freshConnections === true,
    });
    await res.body.text();
    result.statuses[res.statusCode] = (result.statuses[res.statusCode] ?? 0) + 1;
    result.answered += 1;
    const id = res.headers['x-request-id'];
    if (typeof id === 'string') result.requestIds.push(id);
  } catch (err) {
    const e = err as { code?: string; cause?: { code?: string } };
    const code = e.cause?.code ?? e.code ?? 'unknown';
    result.errors[code] = (result.errors[code] ?? 0) + 1;
  }
}

/** Sends exactly `count` requests through the gateway and records every outcome. */
export async function runLoad(stack: TestStack, o: LoadOptions): Promise<LoadResult> {
  const agent = loadAgent(stack, o);
  const result = emptyResult();
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < o.count) {
      next += 1;
      await sendOne(stack, agent, o, result);
      done += 1;
      o.onProgress?.(done);
    }
  };
  try {
    await Promise.all(Array.from({ length: o.concurrency ?? 4 }, worker));
  } finally {
    await agent.close();
  }
  return result;
}

export interface SteadyLoad {
  /** What clients have seen so far (live: grows until `stop`). */
  readonly seen: LoadResult;
  /** Requests started so far. */
  started(): number;
  /** Stops starting requests, waits for those in flight, and returns every outcome. */
  stop(): Promise<LoadResult>;
}

/**
 * Requests at a steady rate (not as fast as possible) until stopped: a fault can last as long
 * as the test needs while load keeps arriving. Starts are paced from a fixed schedule, so a
 * slow answer delays nothing after it; at most `maxInFlight` wait at once (a stalled gateway
 * then slows the loop instead of piling up sockets).
 */
export function startSteadyLoad(
  stack: TestStack,
  o: Omit<LoadOptions, 'count' | 'concurrency' | 'onProgress'> & {
    perSecond: number;
    maxInFlight?: number;
  },
): SteadyLoad {
  const agent = loadAgent(stack, o);
  const seen = emptyResult();
  const inFlight = new Set<Promise<void>>();
  const maxInFlight = o.maxInFlight ?? 16;
  const interval = 1000 / o.perSecond;
  let stopped = false;
  let count = 0;
  const loop = (async () => {
    const start = Date.now();
    while (!stopped) {
      if (inFlight.size >= maxInFlight) {
        await Promise.race(inFlight);
        continue;
      }
      const p = sendOne(stack, agent, o, seen).finally(() => inFlight.delete(p));
      inFlight.add(p);
      count += 1;
      const wait = start + count * interval - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await Promise.all(inFlight);
  })();
  return {
    seen,
    started: () => count,
    async stop() {
      stopped = true;
      try {
        await loop;
      } finally {
        await agent.close();
      }
      return seen;
    },
  };
}

/** Runs one ClickHouse query and returns its rows (JSON format). */
export async function clickhouse<T>(url: string, sql: string): Promise<T[]> {
  const res = await fetch(url, { method: 'POST', body: `${sql} FORMAT JSON` });
  const text = await res.text();
  if (!res.ok) throw new Error(`ClickHouse ${res.status}: ${text.slice(0, 300)}`);
  return (JSON.parse(text) as { data: T[] }).data;
}

export interface Counted {
  rows: number;
  unique: number;
}

/** `count()` and `uniqExact(request_id)` of one customer's raw analytics rows. */
export async function countFor(stack: TestStack, customerId: string): Promise<Counted> {
  const [row] = await clickhouse<{ rows: string; unique: string }>(
    stack.clickhouseUrl,
    `SELECT toString(count()) AS rows, toString(uniqExact(request_id)) AS unique
     FROM ${stack.clickhouseDatabase}.requests WHERE customer_id = '${customerId.replace(/[^A-Za-z0-9_-]/g, '')}'`,
  );
  return { rows: Number(row?.rows ?? 0), unique: Number(row?.unique ?? 0) };
}

/**
 * Polls until the customer's rows reach `expected` (the shipper replays its spool with backoff,
 * so this may take a while after an outage) or the bounded timeout passes; returns the last
 * counts either way so the test asserts on them. Stops early once rows exceed `expected`.
 */
export async function awaitCount(
  stack: TestStack,
  customerId: string,
  expected: number,
  timeoutMs = 90_000,
): Promise<Counted> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let counted: Counted = { rows: -1, unique: -1 };
    try {
      counted = await countFor(stack, customerId);
    } catch {
      // ClickHouse still starting: try again
    }
    if (counted.rows >= expected || Date.now() > deadline) return counted;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Polls `fn` until it returns true or the bound passes; returns the last answer. */
export async function until(fn: () => Promise<boolean>, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let ok = false;
    try {
      ok = await fn();
    } catch {
      ok = false;
    }
    if (ok || Date.now() > deadline) return ok;
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface RawOutcome {
  /** A complete response (status line, headers and the whole body). */
  answered: Record<number, number>;
  /** Connect refused, or the connection closed before one byte of response: never accepted. */
  notAccepted: Record<string, number>;
  /** Some of a response arrived, then the connection ended: an accepted request cut off. */
  cut: number;
  requestIds: string[];
}

/**
 * Like runLoad, but on raw TLS sockets (one per request, `Connection: close`) so every outcome
 * is told apart exactly: refused before any response byte, answered in full, or cut mid-response.
 */
export async function runRawLoad(
  stack: TestStack,
  o: {
    count: number;
    secret: string;
    path?: string;
    concurrency?: number;
    timeoutMs?: number;
    onProgress?: (done: number) => void;
  },
): Promise<RawOutcome> {
  const { port } = new URL(stack.gatewayUrl);
  const out: RawOutcome = { answered: {}, notAccepted: {}, cut: 0, requestIds: [] };
  const one = () =>
    new Promise<void>((resolve) => {
      const chunks: Buffer[] = [];
      let settled = false;
      const finish = (error?: string) => {
        if (settled) return;
        settled = true;
        socket.destroy();
        const raw = Buffer.concat(chunks);
        if (raw.length === 0) {
          const code = error ?? 'closed_before_response';
          out.notAccepted[code] = (out.notAccepted[code] ?? 0) + 1;
          return resolve();
        }
        const head = raw.indexOf('\r\n\r\n');
        const headers = head < 0 ? '' : raw.subarray(0, head).toString('latin1');
        const status = /^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1];
        const length = /\r\ncontent-length: *(\d+)/i.exec(headers)?.[1];
        const chunked = /\r\ntransfer-encoding: *chunked/i.test(headers);
        const body = head < 0 ? Buffer.alloc(0) : raw.subarray(head + 4);
        const complete =
          status !== undefined &&
          (length !== undefined
            ? body.length === Number(length)
            : chunked && body.toString('latin1').endsWith('0\r\n\r\n'));
        if (!complete) {
          out.cut += 1;
          return resolve();
        }
        out.answered[Number(status)] = (out.answered[Number(status)] ?? 0) + 1;
        const id = /\r\nx-request-id: *([^\r\n]+)/i.exec(headers)?.[1];
        if (id) out.requestIds.push(id.trim());
        resolve();
      };
      const socket = tls.connect({
        host: '127.0.0.1',
        port: Number(port),
        ca: stack.caPem,
        servername: 'localhost',
      });
      socket.setTimeout(o.timeoutMs ?? 20_000, () => finish('timeout'));
      socket.on('secureConnect', () => {
        socket.write(
          `GET ${o.path ?? '/v1/orders?limit=1'} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${o.secret}\r\nConnection: close\r\n\r\n`,
        );
      });
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('error', (e: NodeJS.ErrnoException) => finish(e.code ?? 'error'));
      socket.on('close', () => finish());
    });
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: o.concurrency ?? 4 }, async () => {
      while (next < o.count) {
        next += 1;
        await one();
        done += 1;
        o.onProgress?.(done);
      }
    }),
  );
  return out;
}

/** Every `request_id` stored for one customer (raw rows, duplicates included). */
export async function idsFor(stack: TestStack, customerId: string): Promise<string[]> {
  const rows = await clickhouse<{ request_id: string }>(
    stack.clickhouseUrl,
    `SELECT request_id FROM ${stack.clickhouseDatabase}.requests
     WHERE customer_id = '${customerId.replace(/[^A-Za-z0-9_-]/g, '')}'`,
  );
  return rows.map((r) => r.request_id);
}

/** The value of one unlabelled series in a Prometheus text exposition (undefined if absent). */
export function metricValue(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

/** The gateway's `/metrics` (admin port). */
export async function gatewayMetrics(stack: TestStack): Promise<string> {
  const res = await request(`${stack.adminUrl}/metrics`, {
    headers: { authorization: `Bearer ${stack.adminToken}` },
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`gateway /metrics: ${res.statusCode}`);
  return text;
}
