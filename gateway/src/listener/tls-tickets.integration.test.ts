import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tlsDir } from '../config.js';
import {
  dropSchema,
  startTestGateway,
  startUpstream,
  type TestGateway,
  type TestUpstream,
} from '../testing/harness.js';
import { tlsHandshake } from '../testing/tls.js';

const SECRET = 'ticket-secret-shared-by-both-hosts-0123456789';
let upstream: TestUpstream;
let a: TestGateway;
let b: TestGateway;
let other: TestGateway;

beforeAll(async () => {
  upstream = await startUpstream();
  a = await startTestGateway({ upstreamUrl: upstream.url, tls: { ticketSecret: SECRET } });
  // Same data dir and schema: the same certificate, as hosts behind one load balancer have.
  const shared = { dataDir: a.dataDir, databaseSchema: a.config.databaseSchema! };
  b = await startTestGateway({
    upstreamUrl: upstream.url,
    ...shared,
    tls: { ticketSecret: SECRET },
  });
  other = await startTestGateway({
    upstreamUrl: upstream.url,
    ...shared,
    tls: { ticketSecret: `${SECRET}-not-the-same` },
  });
});

afterAll(async () => {
  await other?.close();
  await b?.close();
  await a?.close();
  await upstream?.close();
  if (a) await dropSchema(a.config.databaseSchema!);
});

describe('TLS session tickets', () => {
  it('resumes a session on another gateway given the same GATEWAY_TLS_TICKET_SECRET, not on one with another', async () => {
    const ca = readFileSync(join(tlsDir(a.config), 'cert.pem'));
    const first = await tlsHandshake(a.httpsUrl, ca);
    expect(first.reused).toBe(false);
    expect((await tlsHandshake(a.httpsUrl, ca, first.ticket)).reused).toBe(true);
    expect((await tlsHandshake(b.httpsUrl, ca, first.ticket)).reused).toBe(true);
    expect((await tlsHandshake(other.httpsUrl, ca, first.ticket)).reused).toBe(false);
  });

  it('keeps resuming sessions after the certificate is reloaded (SIGHUP)', async () => {
    const ca = readFileSync(join(tlsDir(a.config), 'cert.pem'));
    const first = await tlsHandshake(b.httpsUrl, ca);
    b.reloadTls();
    expect((await tlsHandshake(b.httpsUrl, ca, first.ticket)).reused).toBe(true);
    expect((await tlsHandshake(a.httpsUrl, ca, first.ticket)).reused).toBe(true);
  });

  it('refuses a ticket secret shorter than 32 characters at start', async () => {
    await expect(
      startTestGateway({ upstreamUrl: upstream.url, tls: { ticketSecret: 'short' } }),
    ).rejects.toThrow(/GATEWAY_TLS_TICKET_SECRET must be at least 32 characters/);
  });
});
