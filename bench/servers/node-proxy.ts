// The bare Node proxy baseline: node:http (or node:https) + http-proxy with a keep-alive agent
// to the upstream, no policies. Usage: node-proxy.ts <upstreamUrl> [http|https certPath keyPath]
import { readFileSync } from 'node:fs';
import {
  Agent,
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import httpProxy from 'http-proxy';
import { announceReady, exitOnSignal } from './ready.js';

const [upstream, scheme = 'http', certPath, keyPath] = process.argv.slice(2);
if (!upstream) throw new Error('usage: node-proxy.ts <upstreamUrl> [http|https cert key]');

const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const proxy = httpProxy.createProxyServer({ target: upstream, agent, xfwd: false });
proxy.on('error', (_err, _req, res) => {
  const r = res as ServerResponse;
  if (!r.headersSent) r.writeHead(502);
  r.end();
});

const handler = (req: IncomingMessage, res: ServerResponse) => proxy.web(req, res);
const server =
  scheme === 'https'
    ? createHttpsServer({ cert: readFileSync(certPath!), key: readFileSync(keyPath!) }, handler)
    : createHttpServer(handler);
server.keepAliveTimeout = 65_000;

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  announceReady({ url: `${scheme}://127.0.0.1:${port}` });
});
exitOnSignal(() => {
  agent.destroy();
  return new Promise<void>((r) => server.close(() => r()));
});
