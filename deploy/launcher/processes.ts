import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface PartProcess {
  name: string;
  child: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/**
 * Runs one part (`<part>/src/main.ts`) as its own process, the way it runs in production,
 * with its output prefixed so the combined log stays readable.
 */
export function spawnPart(
  name: string,
  entry: string,
  env: Record<string, string>,
  cwd: string,
  onLine: (part: string, line: string) => void = (part, line) => {
    process.stdout.write(`[${part}] ${line}\n`);
  },
  /** V8/node flags the part runs with in production (e.g. the gateway's GC settings). */
  nodeFlags: readonly string[] = [],
): PartProcess {
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', entry], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => onLine(name, line));
  }
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return {
    name,
    child,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `url` until it answers 2xx, the process dies, or `timeoutMs` passes. */
export async function waitHealthy(
  part: PartProcess,
  url: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let died = false;
  void part.exited.then(() => {
    died = true;
  });
  while (Date.now() < deadline) {
    if (died) throw new Error(`${part.name} exited during start; see its log lines above`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${part.name} did not become healthy at ${url} within ${timeoutMs / 1000}s`);
}
