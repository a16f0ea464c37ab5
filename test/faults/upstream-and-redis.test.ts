/**
 * Faults under load, request side (issue 9): an upstream that is slow, hangs, resets
 * connections or is gone, and a Redis (the rate-limit store) that is killed and comes back.
 * Clients get clean envelopes (504 `upstream_timeout`, 502 `upstream_unavailable`), limits
 * degrade to per-process limits and recover, and analytics count every answered request once,
 * errors included.
 *
 * The faulty upstream is an HTTP server in this process behind its own gateway route; Redis is
 * this file's own `redis-server` on a free port (never the shared one on 6379).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordResult } from '../support/report.js';
import { freePort, type TestStack, startTestStack } from '../support/stack.js';
import {
  adminCall,
  awaitCount,
  clickhouse,
  newCustomer,
  runLoad,
  runRawLoad,
  until,
} from './load.js';

type Mode = 'ok' | 'slow' | 'hang' | 'reset' | 'held';

let stack: TestStack;
let dir: string;
let mode: Mode = 'ok';
let upstream: http.Server;
const sockets = new Set<net.Socket>();
/** Responses the upstream holds back (mode `held`) until the test releases them. */
const held: (() => void)[] = [];
let redisPort: number;
let redis: ChildProcess | undefined;

const UPSTREAM_TIMEOUT_MS = 5000;

function startRedis(): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  return until(async () => (await redisCli('ping')).trim() === 'PONG', 20_000).then((up) => {
    if (!up) throw new Error(`own redis-server did not answer on ${redisPort}`);
    return child;
  });
}

async function redisCli(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('redis-cli', ['-p', String(redisPort), ...args]);
  return stdout;
}

async function stopRedis(signal: NodeJS.Signals): Promise<void> {
  const child = redis;
  redis = undefined;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gatehouse-faults-'));
  upstream = http.createServer((req, res) => {
    req.resume();
    if (mode === 'hang') return; // never answers; the gateway's timeout must
    if (mode === 'reset') {
      req.socket.destroy(); // dies mid-request, like a crashing process
      return;
    }
    const answer = () => {
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
    };
    if (mode === 'held') held.push(answer);
    else if (mode === 'slow') setTimeout(answer, 200);
    else answer();
  });
  upstream.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as net.AddressInfo).port}`;

  // The default routes plus one to the faulty upstream (longest prefix wins).
  const config = path.join(dir, 'gateway.json');
  await writeFile(
    config,
    JSON.stringify({
      routes: [
        { prefix: '/openapi.json', auth: 'public', methods: ['GET', 'HEAD'] },
        { prefix: '/healthz', auth: 'public', methods: ['GET', 'HEAD'] },
        { prefix: '/readyz', auth: 'public', methods: ['GET', 'HEAD'] },
        { prefix: '/v1', auth: 'required' },
        { prefix: '/v1/faulty', auth: 'required', upstream: upstreamUrl },
      ],
    }),
  );

  redisPort = await freePort();
  redis = await startRedis();
  stack = await startTestStack({
    redisUrl: `redis://127.0.0.1:${redisPort}`,
    partEnv: {
      gateway: {
        GATEWAY_CONFIG: config,
        GATEWAY_UPSTREAM_TIMEOUT_MS: String(UPSTREAM_TIMEOUT_MS),
        RATE_LIMIT_FAIL_MODE: 'open',
      },
    },
  });
});

afterAll(async () => {
  await stack?.close();
  await stopRedis('SIGTERM');
  for (const s of sockets) s.destroy();
  await new Promise((r) => upstream?.close(r));
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function errorCodesIn(customerId: string): Promise<Record<string, number>> {
  const rows = await clickhouse<{ status: number; error_code: string; n: string }>(
    stack.clickhouseUrl,
    `SELECT status, error_code, toString(count()) AS n FROM ${stack.clickhouseDatabase}.requests
     WHERE customer_id = '${customerId.replace(/[^A-Za-z0-9_-]/g, '')}'
     GROUP BY status, error_code`,
  );
  return Object.fromEntries(rows.map((r) => [`${r.status} ${r.error_code}`.trim(), Number(r.n)]));
}

describe('Redis (the rate-limit store) killed and restarted', () => {
  async function storeErrors(): Promise<number> {
    const res = await request(`${stack.adminUrl}/metrics`, {
      headers: { authorization: `Bearer ${stack.adminToken}` },
    });
    const text = await res.body.text();
    const line = text
      .split('\n')
      .find((l) => l.startsWith('gatehouse_gateway_rate_limit_store_errors_total'));
    return Number(line?.split(' ')[1] ?? 0);
  }

  it('degrades to per-process limits (fail open, still limited), says so, and shares limits again once Redis is back', async () => {
    const open = await newCustomer(stack, 'Faults redis');
    const plan = await adminCall(stack, 'POST', '/v1/plans', {
      name: 'faults-tiny',
      requests_per_minute: 60,
      burst: 5,
    });
    expect(plan.status).toBe(201);
    const tiny = await adminCall<{ id: string }>(stack, 'POST', '/v1/customers', {
      name: 'Faults tiny',
      plan: 'faults-tiny',
    });
    const tinyKey = await adminCall<{ secret: string }>(
      stack,
      'POST',
      `/v1/customers/${tiny.body.id}/keys`,
      {},
    );
    // To the test's own upstream (answering at once), so no slow api call can turn into a 504.
    const apiPath = '/v1/faulty/ok';
    let recoveryPolls = 0;

    const before = await runLoad(stack, { count: 50, secret: open.secret, path: apiPath });
    expect(before.statuses).toEqual({ 200: 50 });
    const errorsBefore = await storeErrors();

    await stopRedis('SIGKILL');
    const during = await runLoad(stack, { count: 100, secret: open.secret, path: apiPath });
    // Per-process limits still apply: a burst of 5 at 60/min cannot pass 30 quick requests.
    const tinyDuring = await runLoad(stack, {
      count: 30,
      concurrency: 1,
      secret: tinyKey.body.secret,
      path: apiPath,
    });
    const errorsDuring = await storeErrors();
    const logged = stack.logs.some(
      (l) =>
        l.part === 'gateway' &&
        l.line.includes('rate-limit store failed; using per-process limits'),
    );

    redis = await startRedis();
    // Recovered when the gateway writes its buckets to the new (empty) Redis again.
    const recovered = await until(async () => {
      const poll = await runLoad(stack, { count: 1, secret: open.secret, path: apiPath });
      recoveryPolls += poll.answered;
      return Number((await redisCli('dbsize')).trim()) > 0;
    }, 30_000);
    const after = await runLoad(stack, { count: 50, secret: open.secret, path: apiPath });

    const tinyOk =
      (tinyDuring.statuses[200] ?? 0) >= 1 &&
      (tinyDuring.statuses[429] ?? 0) >= 1 &&
      (tinyDuring.statuses[200] ?? 0) + (tinyDuring.statuses[429] ?? 0) === 30;
    recordResult(
      'faults',
      'Redis killed: requests still served (fail open)',
      100,
      during.statuses[200] ?? 0,
    );
    recordResult(
      'faults',
      'Redis killed: per-process limits still refuse a burst (429)',
      1,
      tinyOk ? 1 : 0,
    );
    recordResult(
      'faults',
      'Redis killed: metric and log line say the store failed',
      2,
      (errorsDuring > errorsBefore ? 1 : 0) + (logged ? 1 : 0),
    );
    recordResult(
      'faults',
      'Redis restarted: limits shared through Redis again, requests served',
      51,
      (recovered ? 1 : 0) + (after.statuses[200] ?? 0),
    );

    expect(during.statuses).toEqual({ 200: 100 });
    expect(tinyOk, JSON.stringify(tinyDuring.statuses)).toBe(true);
    expect(errorsDuring).toBeGreaterThan(errorsBefore);
    expect(logged).toBe(true);
    expect(recovered).toBe(true);
    expect(after.statuses).toEqual({ 200: 50 });

    const answered = before.answered + during.answered + recoveryPolls + after.answered;
    const counted = await awaitCount(stack, open.id, answered);
    recordResult(
      'faults',
      'Redis killed and restarted: analytics hold each answered request exactly once',
      answered,
      counted.rows === answered && counted.unique === answered ? answered : 0,
    );
    expect(counted).toEqual({ rows: answered, unique: answered });
  });
});

describe('a gateway process getting SIGTERM with requests in flight', () => {
  it('drains: requests already at the upstream are answered in full, then it exits, and their events are counted once', async () => {
    const customer = await newCustomer(stack, 'Faults drain');
    mode = 'held';
    const inFlight = runRawLoad(stack, {
      count: 4,
      concurrency: 4,
      secret: customer.secret,
      path: '/v1/faulty/held',
    });
    // All four reached the upstream: accepted by the gateway, now waiting for an answer.
    expect(await until(async () => held.length === 4, 30_000)).toBe(true);
    const gateway = stack.parts.gateway;
    const draining = () =>
      stack.logs.filter((l) => l.part === 'gateway' && l.line.includes('draining and stopping'))
        .length;
    const drainingBefore = draining();
    gateway.child.kill('SIGTERM');
    // The worker got the signal and is draining; only now does the upstream answer.
    const sawDrain = await until(async () => draining() > drainingBefore, 30_000);
    for (const answer of held.splice(0)) answer();
    const outcome = await inFlight;
    await gateway.exited;
    mode = 'ok';
    await stack.restart('gateway');

    recordResult(
      'faults',
      'gateway SIGTERM with requests in flight: each answered in full before exit',
      4,
      outcome.answered[200] ?? 0,
    );
    expect(sawDrain).toBe(true);
    expect(outcome).toMatchObject({ answered: { 200: 4 }, notAccepted: {}, cut: 0 });
    // Its events were flushed or spooled at exit and shipped after the restart, once each.
    const counted = await awaitCount(stack, customer.id, 4);
    recordResult(
      'faults',
      'gateway SIGTERM with requests in flight: their events counted exactly once after restart',
      4,
      counted.rows === 4 && counted.unique === 4 ? 4 : 0,
    );
    expect(counted).toEqual({ rows: 4, unique: 4 });
  });
});

describe('an upstream that is slow, hangs, crashes or is gone', () => {
  it('answers 504 upstream_timeout / 502 upstream_unavailable in the envelope and counts every request', async () => {
    const customer = await newCustomer(stack, 'Faults upstream');
    const load = (count: number) =>
      runLoad(stack, { count, secret: customer.secret, path: '/v1/faulty/things' });

    mode = 'slow';
    const slow = await load(40);
    mode = 'hang';
    const hang = await load(4);
    mode = 'reset';
    const reset = await load(20);
    // Gone: nothing listens on the upstream's port any more.
    mode = 'ok';
    await new Promise<void>((r) => {
      upstream.close(() => r());
      for (const s of sockets) s.destroy();
    });
    const gone = await load(20);

    // The body: the shared envelope with the documented code.
    const agent = new Agent({ connect: { ca: stack.caPem, servername: 'localhost' } });
    const body = async (code: string) => {
      const res = await request(`${stack.gatewayUrl}/v1/faulty/x`, {
        headers: { authorization: `Bearer ${customer.secret}` },
        dispatcher: agent,
      });
      const json = (await res.body.json()) as { error: { code: string; request_id: string } };
      expect(json.error.code).toBe(code);
      expect(json.error.request_id).toBe(res.headers['x-request-id']);
      return res.statusCode;
    };
    expect(await body('upstream_unavailable')).toBe(502);
    await agent.close();

    const cases = [
      { name: 'upstream slow (200 ms): clients got 200', r: slow, want: { 200: 40 } },
      { name: 'upstream hangs: clients got 504 upstream_timeout', r: hang, want: { 504: 4 } },
      {
        name: 'upstream resets connections: clients got 502 upstream_unavailable',
        r: reset,
        want: { 502: 20 },
      },
      { name: 'upstream gone: clients got 502 upstream_unavailable', r: gone, want: { 502: 20 } },
    ];
    for (const c of cases) {
      const [status, n] = Object.entries(c.want)[0] as [string, number];
      recordResult('faults', c.name, n, c.r.statuses[Number(status)] ?? 0);
    }
    for (const c of cases)
      expect({ name: c.name, ...c.r.statuses }).toEqual({ name: c.name, ...c.want });

    const answered = 40 + 4 + 20 + 20 + 1;
    const counted = await awaitCount(stack, customer.id, answered);
    const byCode = await errorCodesIn(customer.id);
    const ok =
      counted.rows === answered &&
      counted.unique === answered &&
      byCode['504 upstream_timeout'] === 4 &&
      byCode['502 upstream_unavailable'] === 41;
    recordResult(
      'faults',
      'upstream faults: analytics hold each answered request (errors included) exactly once',
      answered,
      ok ? answered : 0,
    );
    expect(counted).toEqual({ rows: answered, unique: answered });
    expect(byCode).toEqual({
      '200': 40,
      '504 upstream_timeout': 4,
      '502 upstream_unavailable': 41,
    });
  });
});
