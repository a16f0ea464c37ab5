import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createNotifier, verifySignature } from './notifier.js';
import type { Transition } from './alerts-store.js';
import { isForbiddenAddress } from '@gatehouse/shared/address-policy';
import { type Resolver, refuseWebhookUrl } from './webhook-address.js';

describe('webhook address policy', () => {
  it.each([
    '127.0.0.1',
    '10.0.0.1',
    '172.16.5.4',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    '::ffff:127.0.0.1',
    '64:ff9b::a00:1',
    '2002:a00:1::',
    'not-an-ip',
  ])('forbids %s', (ip) => {
    expect(isForbiddenAddress(ip)).toBe(true);
  });

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111'])('allows %s', (ip) => {
    expect(isForbiddenAddress(ip)).toBe(false);
  });

  it('refuses literal private hosts, localhost and credentials unless private targets are allowed', () => {
    expect(refuseWebhookUrl('http://127.0.0.1:8080/x', false)).toMatch(/loopback or private/);
    expect(refuseWebhookUrl('http://app.localhost/x', false)).toMatch(/this machine/);
    expect(refuseWebhookUrl('https://user:pw@example.com/x', false)).toMatch(/credentials/);
    expect(refuseWebhookUrl('https://hooks.example.com/x', false)).toBeUndefined();
    expect(refuseWebhookUrl('http://127.0.0.1:8080/x', true)).toBeUndefined();
  });
});

describe('notifier address checks at send time', () => {
  const transition = (url: string): Transition => ({
    rule: {
      id: 'rule_x',
      name: 'x',
      kind: 'threshold',
      route: null,
      customer_id: null,
      metric: 'error_rate_5xx',
      threshold: 0.1,
      resolve_threshold: null,
      window_ms: 300_000,
      min_requests: 1,
      for_ms: 0,
      objective: null,
      slo_period_ms: 0,
      burn_windows: null,
      severity: 'warning',
      targets: [{ type: 'webhook', url }],
      enabled: true,
      created_at: '',
      updated_at: '',
    },
    from: 'ok',
    to: 'firing',
    value: 0.5,
    threshold: 0.1,
    requests: 10,
    details: {},
    at_ms: 0,
    firing_since_ms: 0,
  });

  const outgoing = (url: string, notifier: ReturnType<typeof createNotifier>) => {
    const t = transition(url);
    return {
      notification_id: 'ntf_test',
      history_id: 1,
      target_type: 'webhook' as const,
      url,
      secret: null,
      body: notifier.render(t.rule.targets[0]!, t, 'ntf_test'),
    };
  };

  it('does not connect to a name that resolves to a private address', async () => {
    let hits = 0;
    const server = createServer((req, res) => {
      req.resume();
      hits += 1;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    // hooks.test "resolves" to the loopback receiver: a name that passes the save-time check.
    const resolve: Resolver = (_host, _opts, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }]);
    const options = { timeoutMs: 1000, externalUrl: () => 'x', resolve };
    try {
      const refused = createNotifier({ ...options, allowPrivate: false });
      const r = await refused.send(outgoing(`http://hooks.test:${port}/x`, refused));
      // Refused after resolving, before connecting; retrying would not change the answer.
      expect(r).toMatchObject({ ok: false, retry: false });
      expect(r.error).toMatch(/resolves to 127\.0\.0\.1, a loopback or private address/);
      const literal = await refused.send(outgoing(`http://127.0.0.1:${port}/x`, refused));
      expect(literal).toMatchObject({ ok: false, retry: false });
      expect(literal.error).toMatch(/target points at a loopback or private address/);
      expect(hits).toBe(0);
      // The same name is delivered when private targets are allowed: the check is what refused.
      const allowed = createNotifier({ ...options, allowPrivate: true });
      const ok = await allowed.send(outgoing(`http://hooks.test:${port}/x`, allowed));
      expect(ok).toMatchObject({ ok: true, status: 200 });
      expect(hits).toBe(1);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('says which answers are worth another attempt and signs the body carrying the dedup key', async () => {
    const answers = [503, 429, 404, 204];
    const seen: { headers: Record<string, unknown>; body: string }[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (d: Buffer) => chunks.push(d));
      req.on('end', () => {
        seen.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(answers[seen.length - 1] ?? 500).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const secret = 'default-secret-of-16+';
      const notifier = createNotifier({
        allowPrivate: true,
        defaultSecret: secret,
        timeoutMs: 1000,
        externalUrl: () => 'http://collector',
      });
      const n = outgoing(`http://127.0.0.1:${port}/x`, notifier);
      const results = [];
      for (let i = 0; i < answers.length; i++) results.push(await notifier.send(n));
      expect(results.map((r) => [r.ok, r.retry, r.status])).toEqual([
        [false, true, 503],
        [false, true, 429],
        [false, false, 404],
        [true, false, 204],
      ]);
      // Every attempt carries the same key, in the headers and (signed) in the body.
      for (const s of seen) {
        expect(s.headers['gatehouse-notification-id']).toBe('ntf_test');
        expect(s.headers['idempotency-key']).toBe('ntf_test');
        expect(JSON.parse(s.body)).toMatchObject({ notificationId: 'ntf_test', status: 'firing' });
        expect(
          verifySignature(
            secret,
            String(s.headers['x-gatehouse-timestamp']),
            s.body,
            String(s.headers['x-gatehouse-signature']),
          ),
        ).toBe(true);
      }
      // A closed port is a network error: worth another attempt.
      const closed = await notifier.send({ ...n, url: 'http://127.0.0.1:1/x' });
      expect(closed).toMatchObject({ ok: false, retry: true });
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
