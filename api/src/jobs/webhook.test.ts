import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startReceiver, type TestReceiver } from './test-receiver.js';
import { deliverWebhook, signatureHeader, verifySignature, WebhookError } from './webhook.js';

const secret = 'whsec_test_secret';
const open = { allowPrivate: true, signingSecret: secret };
const strict = { allowPrivate: false, signingSecret: secret };

describe('deliverWebhook', () => {
  let rx: TestReceiver;
  beforeEach(async () => {
    rx = await startReceiver();
  });
  afterEach(async () => {
    await rx.close();
  });

  it('POSTs the body with a signature the receiver can verify', async () => {
    const body = JSON.stringify({ hello: 'world' });
    const res = await deliverWebhook(`${rx.url}/hook?x=1`, body, {
      policy: open,
      event: 'test.event',
      deliveryId: 'job_1',
    });
    expect(res.status).toBe(200);
    expect(rx.received).toHaveLength(1);
    const got = rx.received[0]!;
    expect(got).toMatchObject({ method: 'POST', url: '/hook?x=1', body });
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['gatehouse-event']).toBe('test.event');
    expect(got.headers['gatehouse-delivery']).toBe('job_1');
    const sig = got.headers['gatehouse-signature'] as string;
    expect(sig).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifySignature(secret, sig, body)).toBe(true);
    expect(verifySignature('other-secret', sig, body)).toBe(false);
    expect(verifySignature(secret, sig, `${body} `)).toBe(false);
  });

  it('does not follow redirects: a 3xx is a permanent failure', async () => {
    rx.respond = () => ({ status: 302, headers: { location: `${rx.url}/elsewhere` } });
    const err = await deliverWebhook(`${rx.url}/hook`, '{}', {
      policy: open,
      event: 'e',
      deliveryId: 'd',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebhookError);
    expect(err).toMatchObject({ permanent: true });
    expect(rx.received.map((r) => r.url)).toEqual(['/hook']);
  });

  it('reports a 5xx as a retryable failure', async () => {
    rx.respond = () => ({ status: 503 });
    const err = await deliverWebhook(`${rx.url}/hook`, '{}', {
      policy: open,
      event: 'e',
      deliveryId: 'd',
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'WebhookError', permanent: false });
  });

  it('re-checks the address at delivery: a name that now resolves to loopback is refused', async () => {
    // DNS rebinding: the name passed the check at creation with a public answer; at
    // delivery it answers with the loopback receiver.
    const err = await deliverWebhook(`http://rebind.example:${rx.port}/hook`, '{}', {
      policy: strict,
      event: 'e',
      deliveryId: 'd',
      resolve: async () => [{ address: '127.0.0.1', family: 4 }],
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'WebhookError', permanent: true });
    expect(rx.received).toHaveLength(0);
  });

  it('refuses a literal loopback URL at delivery when private addresses are not allowed', async () => {
    const err = await deliverWebhook(`${rx.url}/hook`, '{}', {
      policy: strict,
      event: 'e',
      deliveryId: 'd',
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ permanent: true });
    expect(rx.received).toHaveLength(0);
  });

  it('connects to exactly the address that was checked, not to a fresh DNS answer', async () => {
    // `pinned.invalid` has no DNS record; the request only arrives because the connection
    // uses the checked address.
    const res = await deliverWebhook(`http://pinned.invalid:${rx.port}/p`, '{}', {
      policy: open,
      event: 'e',
      deliveryId: 'd',
      resolve: async () => [{ address: '127.0.0.1', family: 4 }],
    });
    expect(res.status).toBe(200);
    expect(rx.received[0]?.headers.host).toBe(`pinned.invalid:${rx.port}`);
  });
});

describe('verifySignature', () => {
  it('rejects a timestamp outside the tolerance (replay)', () => {
    const body = '{"a":1}';
    const old = signatureHeader(secret, body, 1_000_000);
    expect(verifySignature(secret, old, body, { nowSeconds: 1_000_000 })).toBe(true);
    expect(verifySignature(secret, old, body, { nowSeconds: 1_000_000 + 301 })).toBe(false);
  });

  it('rejects a missing or malformed header', () => {
    expect(verifySignature(secret, undefined, '{}')).toBe(false);
    expect(verifySignature(secret, 'garbage', '{}')).toBe(false);
    expect(verifySignature(secret, 't=abc,v1=00', '{}')).toBe(false);
  });
});
