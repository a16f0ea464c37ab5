// Runs wrk (closed-loop maximum throughput) and parses its text output.
import { spawn } from 'node:child_process';

export interface WrkResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Responses outside 2xx/3xx: a proxy answering 401/429/5xx is not a valid measurement. */
  non2xx: number;
  /** connect + read + write + timeout socket errors. */
  socketErrors: number;
}

const TIME_UNITS_MS: Record<string, number> = {
  us: 0.001,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** `1.47ms` → 1.47, `812.00us` → 0.812, `1.02s` → 1020. */
export function parseWrkDuration(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text.trim());
  if (!m) throw new Error(`unrecognised wrk duration: ${text}`);
  return Number(m[1]) * TIME_UNITS_MS[m[2]!]!;
}

/** Parses the output of `wrk --latency`. Throws when a figure is missing (wrk failed). */
export function parseWrkOutput(out: string): WrkResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const p50 = /^\s*50%\s+(\S+)/m.exec(out);
  const p99 = /^\s*99%\s+(\S+)/m.exec(out);
  const total = /(\d+) requests in/.exec(out);
  if (!rps || !p50 || !p99 || !total) {
    throw new Error(`wrk output not understood:\n${out.slice(0, 2000)}`);
  }
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = sock
    ? Number(sock[1]) + Number(sock[2]) + Number(sock[3]) + Number(sock[4])
    : 0;
  return {
    rps: Number(rps[1]),
    p50Ms: parseWrkDuration(p50[1]!),
    p99Ms: parseWrkDuration(p99[1]!),
    requests: Number(total[1]),
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    socketErrors,
  };
}

export interface WrkOptions {
  url: string;
  connections: number;
  threads: number;
  durationS: number;
  headers?: Record<string, string>;
  /** CPU list for taskset (e.g. '0'). */
  cpu: string;
  /** Per-request timeout passed to wrk, seconds. */
  timeoutS?: number;
  /** Raise the open-file limit first (needed for thousands of connections). */
  nofile?: number;
}

/** The shell command line, separate from running it so it can be printed and checked. */
export function wrkArgs(o: WrkOptions): string[] {
  const args = [
    `-t${o.threads}`,
    `-c${o.connections}`,
    `-d${o.durationS}s`,
    `--timeout`,
    `${o.timeoutS ?? 10}s`,
    '--latency',
  ];
  for (const [k, v] of Object.entries(o.headers ?? {})) args.push('-H', `${k}: ${v}`);
  args.push(o.url);
  return args;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function runWrkRaw(o: WrkOptions): Promise<string> {
  const cmd = ['exec', 'taskset', '-c', o.cpu, 'wrk', ...wrkArgs(o)].map(shellQuote).join(' ');
  const script = (o.nofile ? `ulimit -n ${o.nofile} && ` : '') + cmd.replace(/^'exec'/, 'exec');
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`wrk exited with ${code}: ${err || out}`));
    });
  });
}

export async function runWrk(o: WrkOptions): Promise<WrkResult> {
  return parseWrkOutput(await runWrkRaw(o));
}
