import type { IncomingMessage, ServerResponse } from 'node:http';
import { createContext, type RequestContext } from '../listener/context.js';

/** Pure-logic unit tests only: a context over a plain request object. */
export function fakeContext(opts: {
  method?: string;
  url?: string;
  headers?: Record<string, string>;
  ip?: string;
  secure?: boolean;
}): RequestContext {
  const req = {
    method: opts.method ?? 'GET',
    url: opts.url ?? '/v1/orders',
    headers: opts.headers ?? {},
    socket: { remoteAddress: opts.ip ?? '127.0.0.1' },
  } as unknown as IncomingMessage;
  const res = { statusCode: 200 } as unknown as ServerResponse;
  return createContext(req, res, opts.secure ?? true, 0);
}
