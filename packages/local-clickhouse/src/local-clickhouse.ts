import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where Debian's `clickhouse-server` package puts the binary. */
export const DEFAULT_CLICKHOUSE_BINARY = '/usr/sbin/clickhouse-server';
export const DEFAULT_HTTP_PORT = 18123;
export const DEFAULT_TCP_PORT = 19000;

/** `deploy/clickhouse/` of this repository: the project's own server config. */
export const CLICKHOUSE_CONFIG_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../deploy/clickhouse',
);

export interface LocalClickHouseOptions {
  /** Data, logs and tmp go under this directory (created if missing). */
  dataDir: string;
  httpPort?: number;
  tcpPort?: number;
  binary?: string;
  /** How long to wait for `/ping` after spawning. */
  startTimeoutMs?: number;
}

export interface LocalClickHouse {
  /** HTTP URL, e.g. `http://127.0.0.1:18123`. */
  url: string;
  /** False when an instance already answered on the port and was reused (stop() leaves it running). */
  owned: boolean;
  pid: number | undefined;
  stop(): Promise<void>;
}

export class LocalClickHouseError extends Error {
  override name = 'LocalClickHouseError';
}

/** True when something answers ClickHouse's `/ping` with `Ok.` at `url`. */
export async function pingClickHouse(url: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const res = await fetch(new URL('/ping', url), { signal: AbortSignal.timeout(timeoutMs) });
    const body = await res.text();
    return res.ok && body.startsWith('Ok');
  } catch {
    return false;
  }
}

/** Renders `deploy/clickhouse/config.xml` with this instance's paths and ports. */
export async function renderConfig(options: {
  dataDir: string;
  httpPort: number;
  tcpPort: number;
}): Promise<string> {
  const template = await readFile(path.join(CLICKHOUSE_CONFIG_DIR, 'config.xml'), 'utf8');
  const values: Record<string, string> = {
    DATA_DIR: options.dataDir,
    HTTP_PORT: String(options.httpPort),
    TCP_PORT: String(options.tcpPort),
    USERS_CONFIG: path.join(CLICKHOUSE_CONFIG_DIR, 'users.xml'),
  };
  return template.replace(/\{\{([A-Z_]+)\}\}/g, (whole, name: string) => values[name] ?? whole);
}

/**
 * Starts the project-owned ClickHouse (loopback only, its own ports, data under `dataDir`) and
 * resolves once `/ping` answers. If an instance already answers on `httpPort`, it is reused.
 */
export async function startLocalClickHouse(
  options: LocalClickHouseOptions,
): Promise<LocalClickHouse> {
  const httpPort = options.httpPort ?? DEFAULT_HTTP_PORT;
  const tcpPort = options.tcpPort ?? DEFAULT_TCP_PORT;
  const binary = options.binary ?? DEFAULT_CLICKHOUSE_BINARY;
  const url = `http://127.0.0.1:${httpPort}`;

  if (await pingClickHouse(url)) {
    return { url, owned: false, pid: undefined, stop: async () => {} };
  }
  if (!existsSync(binary)) {
    throw new LocalClickHouseError(
      `ClickHouse server not found at ${binary}: run \`apt-get install clickhouse-server\` or set CLICKHOUSE_URL to a running server.`,
    );
  }

  const dataDir = path.resolve(options.dataDir);
  await Promise.all(
    ['data', 'tmp', 'log', 'user_files', 'format_schemas'].map((d) =>
      mkdir(path.join(dataDir, d), { recursive: true }),
    ),
  );
  const configFile = path.join(dataDir, 'config.xml');
  await writeFile(configFile, await renderConfig({ dataDir, httpPort, tcpPort }));

  const child = spawn(binary, [`--config-file=${configFile}`], {
    cwd: dataDir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  child.once('error', (err) => {
    stderr += String(err);
  });

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  while (!(await pingClickHouse(url, 500))) {
    if (exited) {
      // Lost a race with another starter on the same port: use the winner.
      if (await pingClickHouse(url))
        return { url, owned: false, pid: undefined, stop: async () => {} };
      throw new LocalClickHouseError(
        `clickhouse-server exited (${JSON.stringify(exited)}) before answering on ${url}; see ${dataDir}/log/clickhouse-server.err.log. ${stderr.trim()}`,
      );
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new LocalClickHouseError(`clickhouse-server did not answer on ${url} in time`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  let stopping: Promise<void> | undefined;
  return {
    url,
    owned: true,
    pid: child.pid,
    stop: () => {
      stopping ??= stopChild(child, exitPromise, () => exited !== null);
      return stopping;
    },
  };
}

async function stopChild(
  child: ChildProcess,
  exitPromise: Promise<void>,
  hasExited: () => boolean,
): Promise<void> {
  if (hasExited()) return;
  child.kill('SIGTERM');
  const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000).unref());
  if ((await Promise.race([exitPromise, timer])) === 'timeout' && !hasExited()) {
    child.kill('SIGKILL');
    await exitPromise;
  }
}
