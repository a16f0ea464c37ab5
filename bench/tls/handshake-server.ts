// The gateway's TLS listener alone, for bench/tls/handshakes.ts: prints its port, pid and CA file.
// Gateway modules are imported through a path variable, untyped, as bench/servers/gateway.ts
// does: a change there must not break the repository's typecheck through bench/.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchPath } from '../lib/processes.js';

// biome-ignore lint/suspicious/noExplicitAny: gateway modules are loaded untyped on purpose (see the header)
const load = async (rel: string): Promise<Record<string, any>> =>
  import(pathToFileURL(benchPath(`../gateway/src/listener/${rel}`)).href);
const { createTlsServer } = await load('servers.ts');
const { loadTlsMaterial } = await load('tls.ts');
const { newTicketSecret, rotateTicketKeys } = await load('tls-tickets.ts');

const tls = await loadTlsMaterial({ dir: mkdtempSync(join(tmpdir(), 'bench-tls-')) });
const server = createTlsServer(
  tls,
  { headersMs: 10_000, requestMs: 30_000, keepAliveMs: 5_000 },
  (_req: unknown, res: { end(): void }) => res.end(),
);
rotateTicketKeys(server, newTicketSecret());
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  console.log(JSON.stringify({ port, pid: process.pid, ca: tls.certPath }));
});
