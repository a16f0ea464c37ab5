/**
 * Runs one request through an Express app in-process, without a socket: the request is a
 * real IncomingMessage fed from a buffer, the response a ServerResponse whose writes are
 * captured. Every middleware (request id, identity, body parsing, validation, routes,
 * error handler) runs exactly as for a request from the network.
 */
import { IncomingMessage, type IncomingHttpHeaders, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { Response } from 'express';

export interface InjectRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body?: Buffer | undefined;
}

export interface InjectedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

type Dispatch = (req: IncomingMessage, res: ServerResponse) => void;

export function inject(
  dispatch: Dispatch,
  request: InjectRequest,
  prepare?: (res: Response) => void,
): Promise<InjectedResponse> {
  const req = new IncomingMessage(new Socket());
  req.method = request.method;
  req.url = request.url;
  req.headers = { ...request.headers };
  if (request.body !== undefined) req.headers['content-length'] = String(request.body.length);
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  req.httpVersion = '1.1';
  if (request.body !== undefined && request.body.length > 0) req.push(request.body);
  req.push(null);

  const res = new ServerResponse(req);
  const chunks: Buffer[] = [];
  const toBuffer = (chunk: unknown, encoding?: unknown): Buffer | undefined => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return undefined;
    if (Buffer.isBuffer(chunk)) return chunk;
    if (chunk instanceof Uint8Array) return Buffer.from(chunk);
    return Buffer.from(
      String(chunk),
      typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8',
    );
  };

  return new Promise<InjectedResponse>((resolve) => {
    let ended = false;
    res.write = ((chunk: unknown, encoding?: unknown, cb?: unknown) => {
      const buf = toBuffer(chunk, encoding);
      if (buf) chunks.push(buf);
      const callback = typeof encoding === 'function' ? encoding : cb;
      if (typeof callback === 'function') queueMicrotask(() => callback());
      return true;
    }) as typeof res.write;
    res.end = ((chunk?: unknown, encoding?: unknown, cb?: unknown) => {
      if (ended) return res;
      ended = true;
      const buf = toBuffer(chunk, encoding);
      if (buf) chunks.push(buf);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(res.getHeaders())) {
        if (value !== undefined)
          headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
      }
      resolve({ status: res.statusCode, headers, body: Buffer.concat(chunks) });
      res.emit('finish');
      const callback =
        typeof chunk === 'function' ? chunk : typeof encoding === 'function' ? encoding : cb;
      if (typeof callback === 'function') queueMicrotask(() => callback());
      return res;
    }) as typeof res.end;
    prepare?.(res as Response);
    dispatch(req, res);
  });
}
