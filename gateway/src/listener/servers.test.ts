import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { connect, type PeerCertificate } from 'node:tls';
import { generate } from 'selfsigned';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dropSchema,
  startTestGateway,
  startUpstream,
  type TestGateway,
  type TestUpstream,
} from '../testing/harness.js';

let upstream: TestUpstream;
let gw: TestGateway;
const certDir = mkdtempSync(join(tmpdir(), 'gw-cert-'));
const certFile = join(certDir, 'cert.pem');
const keyFile = join(certDir, 'key.pem');

async function writeCert(cn: string): Promise<void> {
  const pems = await generate([{ name: 'commonName', value: cn }], {
    keyType: 'ec',
    curve: 'P-256',
  });
  writeFileSync(certFile, pems.cert);
  writeFileSync(keyFile, pems.private);
}

function handshake(
  url: string,
  opts: { minVersion?: 'TLSv1.1' | 'TLSv1.2'; maxVersion?: 'TLSv1.1' | 'TLSv1.2' },
): Promise<{ protocol: string | null; cert: PeerCertificate } | { error: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({
      host: hostname,
      port: Number(port),
      rejectUnauthorized: false,
      // Let the CLIENT offer TLS 1.1 (OpenSSL 3 refuses it at the default security level), so a
      // failure can only come from the server.
      ciphers: 'DEFAULT@SECLEVEL=0',
      ...opts,
    });
    socket.once('secureConnect', () => {
      resolve({ protocol: socket.getProtocol(), cert: socket.getPeerCertificate() });
      socket.end();
    });
    socket.once('error', (error) => resolve({ error: error.message }));
  });
}

beforeAll(async () => {
  await writeCert('first.test');
  upstream = await startUpstream();
  gw = await startTestGateway({ upstreamUrl: upstream.url, tls: { certFile, keyFile } });
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  if (gw) await dropSchema(gw.config.databaseSchema!);
});

describe('TLS listener', () => {
  it('refuses a TLS 1.1 handshake and accepts TLS 1.2', async () => {
    const old = await handshake(gw.httpsUrl, { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1' });
    expect(old).toHaveProperty('error');
    expect((old as { error: string }).error).toMatch(/alert protocol version/i);
    const ok = await handshake(gw.httpsUrl, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
    expect(ok).toMatchObject({ protocol: 'TLSv1.2' });
  });

  it('sends HSTS on every HTTPS response, rejections included', async () => {
    const agent = new Agent({ connect: { rejectUnauthorized: false } });
    try {
      const res = await request(`${gw.httpsUrl}/v1/orders`, { dispatcher: agent });
      await res.body.dump();
      expect(res.statusCode).toBe(401);
      expect(res.headers['strict-transport-security']).toMatch(/^max-age=\d+/);
    } finally {
      await agent.close();
    }
  });

  it('reloads the certificate on SIGHUP (reloadTls) without dropping an open connection', async () => {
    const agent = new Agent({
      connect: { rejectUnauthorized: false },
      pipelining: 1,
      connections: 1,
    });
    try {
      const first = await request(`${gw.httpsUrl}/openapi.json`, { dispatcher: agent });
      await first.body.dump();
      const before = await handshake(gw.httpsUrl, {});
      expect((before as { cert: PeerCertificate }).cert.subject.CN).toBe('first.test');
      await writeCert('second.test');
      gw.reloadTls();
      const after = await handshake(gw.httpsUrl, {});
      expect((after as { cert: PeerCertificate }).cert.subject.CN).toBe('second.test');
      // The keep-alive connection opened before the reload still serves requests.
      const again = await request(`${gw.httpsUrl}/openapi.json`, { dispatcher: agent });
      await again.body.dump();
      expect(again.statusCode).toBe(200);
    } finally {
      await agent.close();
    }
  });

  it('cuts a chunked body at the limit with 413 and never forwards it', async () => {
    const { key } = await gw.customerWithKey();
    const before = upstream.forwarded().length;
    const agent = new Agent({ connect: { rejectUnauthorized: false } });
    const max = gw.config.maxBodyBytes;
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let sent = 0;
    const body = new Readable({
      read() {
        if (sent > max * 4) return this.push(null);
        sent += chunk.length;
        this.push(chunk);
      },
    });
    try {
      const res = await request(`${gw.httpsUrl}/v1/orders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body,
        dispatcher: agent,
      });
      const text = await res.body.text();
      expect(res.statusCode).toBe(413);
      expect(JSON.parse(text).error.code).toBe('payload_too_large');
    } catch (error) {
      // The gateway may close the connection before the client finished sending; then the
      // status must at least have been recorded as 413 in the event.
      expect(String(error)).toMatch(/socket|closed|reset|EPIPE/i);
    }
    await agent.close();
    expect(gw.sink.events.some((e) => e.status === 413 && e.path === '/v1/orders')).toBe(true);
    const reached = upstream
      .forwarded()
      .slice(before)
      .filter((r) => r.url === '/v1/orders');
    // The upstream may see the start of the request, but never a complete over-limit body.
    for (const r of reached) expect(r.body.length).toBeLessThanOrEqual(max);
  });
});

describe('graceful shutdown', () => {
  it('lets an in-flight request finish while closing', async () => {
    const upstream2 = await startUpstream();
    const g = await startTestGateway({
      upstreamUrl: upstream2.url,
      redisPrefix: randomBytes(4).toString('hex'),
    });
    try {
      const { key } = await g.customerWithKey();
      const inFlight = g.call('GET', '/v1/delay', { headers: { authorization: `Bearer ${key}` } });
      // Close only once the upstream has the request, so it is truly in flight.
      while (!upstream2.forwarded().some((r) => r.url === '/v1/delay')) {
        await new Promise((r) => setTimeout(r, 10));
      }
      const closing = g.close();
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ delayed: true });
      await closing;
    } finally {
      await upstream2.close();
      await dropSchema(g.config.databaseSchema!);
    }
  });
});
