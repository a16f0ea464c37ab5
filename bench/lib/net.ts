// Loopback helpers: free ports, waiting until a server answers, self-signed certificates.
import { execFileSync } from 'node:child_process';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';

/** A port that was free a moment ago (tiny race, acceptable on a benchmark box). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * What a loader sends with: the target, one keep-alive agent holding up to `connections`
 * sockets, and the request function of its protocol. TLS is not verified (self-signed, loopback).
 */
export function keepAliveClient(url: string, connections: number) {
  const target = new URL(url);
  const https = target.protocol === 'https:';
  // First in, first out: at a paced rate every connection stays in use, where Node's default
  // (last in, first out) would use a few and leave the rest to idle into the server's keep-alive
  // timeout, and a counted window would then reconnect (TLS handshakes) and race closing sockets.
  const options = { keepAlive: true, maxSockets: connections, scheduling: 'fifo' as const };
  const agent = https
    ? new HttpsAgent({ ...options, rejectUnauthorized: false })
    : new HttpAgent(options);
  return { target, agent, request: https ? httpsRequest : httpRequest };
}

export interface SimpleResponse {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** One request without keep-alive; TLS certificates are not verified (self-signed, loopback). */
export function fetchOnce(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<SimpleResponse> {
  const u = new URL(url);
  const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: init.method ?? 'GET',
        headers: {
          connection: 'close',
          ...(init.body != null
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(init.body) }
            : {}),
          ...init.headers,
        },
        rejectUnauthorized: false,
        timeout: 10_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
    req.end(init.body);
  });
}

/** Polls until `check` returns true, or throws after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

export interface CertPaths {
  cert: string;
  key: string;
}

/** ECDSA P-256 self-signed certificate for 127.0.0.1, shared by every TLS configuration. */
export function makeSelfSignedCert(dir: string): CertPaths {
  const cert = join(dir, 'bench-cert.pem');
  const key = join(dir, 'bench-key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}
