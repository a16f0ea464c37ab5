import { randomUUID } from 'node:crypto';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ApiError } from '@gatehouse/shared';
import { GatewayErrors } from '../errors.js';
import type { TlsMaterial } from './tls.js';

export interface Timeouts {
  headersMs: number;
  requestMs: number;
  keepAliveMs: number;
}

/** Slow-client protection shared by both listeners (slowloris: headers trickled forever). */
function applyTimeouts(server: Server, t: Timeouts): void {
  server.headersTimeout = t.headersMs;
  server.requestTimeout = t.requestMs;
  server.keepAliveTimeout = t.keepAliveMs;
  // Node answers 408 itself on these timeouts; never let one socket hang on forever.
  server.timeout = t.requestMs + 5_000;
}

export function createTlsServer(
  tls: TlsMaterial,
  timeouts: Timeouts,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
) {
  const server = createHttpsServer(
    {
      cert: tls.cert,
      key: tls.key,
      // TLS 1.0/1.1 are deprecated (RFC 8996); a 1.1 ClientHello gets a protocol_version alert.
      minVersion: 'TLSv1.2',
      // Slow TLS handshakes are bounded too.
      handshakeTimeout: timeouts.headersMs,
    },
    handler,
  );
  applyTimeouts(server as unknown as Server, timeouts);
  return server;
}

/**
 * The plain-HTTP port never proxies: every request gets 426 `https_required` in the envelope
 * with `Upgrade: TLS/1.2, HTTP/1.1`, or (when configured) a 308 to the HTTPS URL for GET/HEAD.
 * It never reads a body and never looks at credentials.
 */
/** What the plain-HTTP port answered, for analytics. */
export interface PlainAnswer {
  requestId: string;
  status: number;
  errorCode: string;
  bytesOut: number;
  /** performance.now() when the request arrived */
  startedAt: number;
  /** epoch ms when the request arrived */
  tsMs: number;
}

export function createPlainServer(opts: {
  timeouts: Timeouts;
  redirect: boolean;
  httpsPort: () => number;
  /** Told of every answer (analytics); must not throw. */
  onAnswer?: (req: IncomingMessage, answer: PlainAnswer) => void;
}): Server {
  const server = createHttpServer((req, res) => {
    const requestId = randomUUID();
    const method = req.method ?? 'GET';
    const startedAt = performance.now();
    const tsMs = Date.now();
    const report = (status: number, errorCode: string, bytesOut: number) =>
      opts.onAnswer?.(req, { requestId, status, errorCode, bytesOut, startedAt, tsMs });
    if (opts.redirect && (method === 'GET' || method === 'HEAD')) {
      const host = (req.headers.host ?? '127.0.0.1')
        .replace(/:\d+$/, '')
        .replace(/[^A-Za-z0-9.\-[\]:]/g, '');
      res.writeHead(308, {
        location: `https://${host}:${opts.httpsPort()}${req.url ?? '/'}`,
        'x-request-id': requestId,
        connection: 'close',
        'content-length': 0,
      });
      res.end();
      report(308, '', 0);
      return;
    }
    const body = JSON.stringify(new ApiError(GatewayErrors.https_required).toEnvelope(requestId));
    res.writeHead(426, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      upgrade: 'TLS/1.2, HTTP/1.1',
      connection: 'Upgrade, close',
      'x-request-id': requestId,
    });
    res.end(method === 'HEAD' ? undefined : body);
    report(426, GatewayErrors.https_required.code, method === 'HEAD' ? 0 : Buffer.byteLength(body));
  });
  applyTimeouts(server, opts.timeouts);
  return server;
}

export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Graceful close: stop accepting, close idle keep-alive sockets, let in-flight requests finish
 * (their responses say `Connection: close`), then cut whatever is left after `graceMs`.
 */
export function drain(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    // A keep-alive connection becomes idle when its in-flight response ends; close those as
    // they appear instead of waiting for the keep-alive timeout.
    const idle = setInterval(() => server.closeIdleConnections(), 50);
    idle.unref();
    server.close(() => {
      clearTimeout(timer);
      clearInterval(idle);
      resolve();
    });
    server.closeIdleConnections();
  });
}
