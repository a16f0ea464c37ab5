// Drives bench/load/count.ts: a loader process, pinned to a core, that sends exactly N requests
// per command over connections it keeps open between commands.
import { spawn } from 'node:child_process';
import { DONE_PREFIX } from './callgrind.js';
import { benchPath, nodeTs, READY_PREFIX } from './processes.js';

export interface CountBatch {
  ok: number;
  non2xx: number;
  errors: number;
  ms: number;
}

export interface CountLoader {
  /** `requests` closed-loop, or paced at `perSecond` when given. */
  run(requests: number, perSecond?: number): Promise<CountBatch>;
  stop(): void;
}

export function startCountLoader(
  cpu: string,
  url: string,
  connections: number,
  headers: Record<string, string>,
): Promise<CountLoader> {
  const command = nodeTs(benchPath('load/count.ts'), [
    url,
    String(connections),
    JSON.stringify(headers),
  ]);
  const child = spawn('taskset', ['-c', cpu, ...command], { stdio: ['pipe', 'pipe', 'pipe'] });
  let buffered = '';
  let stderr = '';
  const waiting: ((line: string) => void)[] = [];
  let onReady: (() => void) | null = null;
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  child.stdout.on('data', (d: Buffer) => {
    buffered += d.toString();
    let nl = buffered.indexOf('\n');
    while (nl >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line.startsWith(READY_PREFIX)) onReady?.();
      else if (line.startsWith(DONE_PREFIX)) waiting.shift()?.(line.slice(DONE_PREFIX.length));
      nl = buffered.indexOf('\n');
    }
  });
  const exited = new Promise<never>((_, reject) => {
    child.on('exit', (code, signal) =>
      reject(new Error(`count loader exited (${code ?? signal}): ${stderr.trim()}`)),
    );
  });
  exited.catch(() => {});
  const loader: CountLoader = {
    run(requests, perSecond) {
      const done = new Promise<CountBatch>((resolve) => {
        waiting.push((json) => resolve(JSON.parse(json) as CountBatch));
      });
      child.stdin.write(perSecond ? `run ${requests} ${perSecond}\n` : `run ${requests}\n`);
      return Promise.race([done, exited]);
    },
    stop() {
      child.stdin.end();
      child.kill('SIGTERM');
    },
  };
  return Promise.race([
    new Promise<CountLoader>((resolve) => {
      onReady = () => resolve(loader);
    }),
    exited,
  ]);
}
