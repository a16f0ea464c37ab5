// What TLS session resumption saves the gateway: server CPU per full handshake against per
// resumed one, over the gateway's own TLS listener (`createTlsServer`: TLS 1.2+, the ECDSA P-256
// certificate the gateway generates) with ticket keys from `rotateTicketKeys`, as deployed.
//
//   node --import tsx bench/tls/handshakes.ts [--handshakes=2000] [--rounds=5]
//
// The server runs in a child process pinned to BENCH_PROXY_CPU (default 1), the client here on
// BENCH_LOAD_CPU (0); the server's CPU (user + system, from /proc) is read around each batch of
// sequential handshakes, so the client's work is not in it. Full and resumed batches alternate.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { benchPath, nodeTs, treeCpuMs } from '../lib/processes.js';
import { median } from '../lib/stats.js';

const flags = Object.fromEntries(
  process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]),
);
const handshakes = Number(flags.handshakes ?? 2000);
const rounds = Number(flags.rounds ?? 5);
const proxyCpu = process.env.BENCH_PROXY_CPU ?? '1';
const loadCpu = process.env.BENCH_LOAD_CPU ?? '0';

execFileSync('taskset', ['-pc', loadCpu, String(process.pid)], { stdio: 'ignore' });
const server = spawn('taskset', ['-c', proxyCpu, ...nodeTs(benchPath('tls/handshake-server.ts'))], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const ready = await new Promise<{ port: number; pid: number; ca: string }>((resolve) => {
  let out = '';
  server.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    const line = out.split('\n').find((l) => l.startsWith('{'));
    if (line) resolve(JSON.parse(line));
  });
});
const ca = readFileSync(ready.ca);

function serverCpuMs(): number {
  const ms = treeCpuMs(ready.pid);
  if (ms === null) throw new Error('the handshake server exited');
  return ms;
}

function handshake(session?: Buffer): Promise<{ reused: boolean; ticket?: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1',
      port: ready.port,
      ca,
      servername: 'localhost',
      ...(session ? { session } : {}),
    });
    socket.once('error', reject);
    if (session) {
      // A resumed connection is measured to the end of its handshake: the server sends no
      // ticket the client waits for.
      socket.once('secureConnect', () => {
        resolve({ reused: socket.isSessionReused() });
        socket.destroy();
      });
    } else {
      // TLS 1.3 tickets arrive after the handshake; the first one is what resumes.
      socket.once('session', (ticket: Buffer) => {
        resolve({ reused: socket.isSessionReused(), ticket });
        socket.destroy();
      });
    }
  });
}

async function batch(session?: Buffer): Promise<{ cpuUs: number; reused: number }> {
  const before = serverCpuMs();
  let reused = 0;
  for (let i = 0; i < handshakes; i++) if ((await handshake(session)).reused) reused++;
  return { cpuUs: ((serverCpuMs() - before) * 1000) / handshakes, reused };
}

const { ticket } = await handshake();
if (!ticket) throw new Error('the server sent no session ticket');
await batch(); // warm-up
const full: number[] = [];
const resumed: number[] = [];
for (let r = 0; r < rounds; r++) {
  const f = await batch();
  const s = await batch(ticket);
  if (s.reused !== handshakes) throw new Error(`only ${s.reused} of ${handshakes} resumed`);
  full.push(f.cpuUs);
  resumed.push(s.cpuUs);
  console.log(
    `round ${r + 1}/${rounds}: server CPU per handshake full ${f.cpuUs.toFixed(0)} µs, resumed ${s.cpuUs.toFixed(0)} µs`,
  );
}
console.log(
  `median of ${rounds} rounds × ${handshakes} handshakes: full ${median(full).toFixed(0)} µs, resumed ${median(resumed).toFixed(0)} µs of server CPU (${(median(resumed) / median(full)).toFixed(2)}×)`,
);
server.kill();
