// The fixed-response upstream every configuration forwards to: a ~250-byte JSON order for any
// path, plus a tiny /openapi.json so a gateway that builds route templates from it can do so.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { announceReady, exitOnSignal } from './ready.js';

export const ORDER_BODY = JSON.stringify({
  id: 'ord_01HZX3K9V8Q2W7RT5M4N6B1C0D',
  customer_id: 'cus_01HZX3K9V8Q2W7RT5M4N6B1C0E',
  status: 'paid',
  currency: 'EUR',
  total_cents: 12_990,
  items: [{ sku: 'GH-TSHIRT-M', quantity: 2, unit_cents: 4_995 }],
  created_at: '2026-11-24T10:15:30.000Z',
});

const OPENAPI = JSON.stringify({
  openapi: '3.1.0',
  info: { title: 'bench upstream', version: '1.0.0' },
  paths: {
    '/v1/orders': { get: { responses: { '200': { description: 'list' } } } },
    '/v1/orders/{id}': { get: { responses: { '200': { description: 'one order' } } } },
  },
});

const body = Buffer.from(ORDER_BODY);
const openapi = Buffer.from(OPENAPI);

const server = createServer((req, res) => {
  const payload = req.url === '/openapi.json' ? openapi : body;
  // Drain any request body so keep-alive connections stay usable.
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': payload.length });
  res.end(payload);
});
server.keepAliveTimeout = 65_000;

const port = Number(process.argv[2] ?? 0);
server.listen(port, '127.0.0.1', () => {
  const { port: p } = server.address() as AddressInfo;
  announceReady({ url: `http://127.0.0.1:${p}`, bodyBytes: body.length });
});
exitOnSignal(() => new Promise<void>((r) => server.close(() => r())));
