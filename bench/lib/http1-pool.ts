// A keep-alive pool of raw HTTP/1.1 connections that sends one fixed GET, as wrk does: the
// request's bytes are built once, and a response is only framed (Http1ResponseReader), never
// parsed into objects. The fixed-rate loader used node:http's agent before: its per-request
// objects made the loader's own GC pauses and CPU (on the core it shares with the upstream) part
// of every target's p99, and a slower target turned the burst after each pause into a longer
// queue. TLS is not verified (self-signed, loopback).
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Http1ResponseReader } from './http1-reader.js';

/** Called once per request: its status, or null and why when no response came. */
export type OnResponse = (status: number | null, error?: string) => void;

export interface Http1Pool {
  /** Sends the request on an idle connection, a new one (up to the bound), or when one frees. */
  send(onResponse: OnResponse): void;
  /** Connections opened so far, replacements included. */
  readonly opened: number;
  close(): void;
}

interface Connection {
  socket: Socket;
  reader: Http1ResponseReader;
  ready: boolean;
  inFlight: OnResponse | null;
}

/** The bytes of `GET <url>` over HTTP/1.1 with keep-alive (the default) and `headers`. */
export function http1GetRequest(target: URL, headers: Record<string, string>): Buffer {
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
  return Buffer.from(
    `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\n${lines.join('')}\r\n`,
  );
}

export function http1Pool(
  url: string,
  maxConnections: number,
  headers: Record<string, string> = {},
): Http1Pool {
  const target = new URL(url);
  const tls = target.protocol === 'https:';
  const port = Number(target.port || (tls ? 443 : 80));
  const request = http1GetRequest(target, headers);
  const connections = new Set<Connection>();
  // First in, first out: every connection stays in use, so none idles into the server's
  // keep-alive timeout and meets a close while a request is on its way (the agent reuses the
  // most recent socket first).
  const idle: Connection[] = [];
  const waiting: OnResponse[] = [];
  let opened = 0;
  let closed = false;

  function dispatch(c: Connection, onResponse: OnResponse): void {
    c.inFlight = onResponse;
    c.socket.write(request);
  }

  function release(c: Connection): void {
    const next = waiting.shift();
    if (next) dispatch(c, next);
    else idle.push(c);
  }

  function drop(c: Connection, why: string): void {
    if (!connections.delete(c)) return;
    const at = idle.indexOf(c);
    if (at >= 0) idle.splice(at, 1);
    c.socket.destroy();
    // A connection that never came up was opened for the oldest waiting request: that one fails
    // with the cause (a refused port fails every request, one connection attempt each, as the
    // agent does, instead of reconnecting forever).
    const lost = c.inFlight ?? (c.ready ? null : (waiting.shift() ?? null));
    c.inFlight = null;
    lost?.(null, why);
    if (!closed && waiting.length > connecting()) open();
  }

  /** Connections still being set up: each will take a waiting request when it is. */
  function connecting(): number {
    let n = 0;
    for (const c of connections) if (!c.ready) n++;
    return n;
  }

  function open(): void {
    opened++;
    const socket = tls
      ? tlsConnect({ host: target.hostname, port, rejectUnauthorized: false })
      : netConnect({ host: target.hostname, port });
    socket.setNoDelay(true);
    const c: Connection = {
      socket,
      reader: new Http1ResponseReader(),
      ready: false,
      inFlight: null,
    };
    connections.add(c);
    socket.once(tls ? 'secureConnect' : 'connect', () => {
      c.ready = true;
      release(c);
    });
    socket.on('data', (chunk: Buffer) => {
      let statuses: number[];
      try {
        statuses = c.reader.push(chunk);
      } catch (e) {
        drop(c, `bad response: ${(e as Error).message}`);
        return;
      }
      for (const status of statuses) {
        const done = c.inFlight;
        if (!done) {
          drop(c, 'response without a request');
          return;
        }
        c.inFlight = null;
        done(status);
        // The server said it ends this connection: a request sent on it now would be lost.
        if (c.reader.closeAfterLast) {
          drop(c, 'closed');
          return;
        }
        release(c);
      }
    });
    socket.on('error', (e: NodeJS.ErrnoException) => drop(c, e.code ?? e.message));
    socket.on('close', () => drop(c, c.reader.midResponse ? 'closed mid-response' : 'closed'));
  }

  return {
    send(onResponse) {
      const c = idle.shift();
      if (c) dispatch(c, onResponse);
      else {
        waiting.push(onResponse);
        if (connections.size < maxConnections) open();
      }
    },
    get opened() {
      return opened;
    },
    close() {
      closed = true;
      for (const c of [...connections]) drop(c, 'pool closed');
    },
  };
}
