/**
 * What the collector benchmarks share: their `--name=value` flags, one SQL call over HTTP, and
 * the ClickHouse they run against (CLICKHOUSE_URL, else a project-owned one in a temp dir).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLocalClickHouse } from '@gatehouse/local-clickhouse';
import { Agent, fetch } from 'undici';
import { freePort } from '../lib/net.js';

export function parseFlags(argv: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    argv.map((a) => {
      const [k, v] = a.replace(/^--/, '').split('=');
      return [k, v ?? ''];
    }),
  );
}

// Idle sockets are dropped well before ClickHouse's keep_alive_timeout (10 s), so a statement
// after a long pause never goes out on a socket the server is closing; bulk statements run long.
const chAgent = new Agent({ keepAliveTimeout: 2_000, headersTimeout: 0, bodyTimeout: 0 });

export async function sql(url: string, query: string): Promise<string> {
  const res = await fetch(`${url}/?output_format_json_quote_64bit_integers=0`, {
    dispatcher: chAgent,
    method: 'POST',
    body: query,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`ClickHouse: ${text}`);
  return text.trim();
}

export interface BenchClickHouse {
  url: string;
  /** Stops and deletes a ClickHouse this module started; leaves CLICKHOUSE_URL's alone. */
  close(): Promise<void>;
}

export async function benchClickHouse(
  clickhouseUrl = process.env.CLICKHOUSE_URL,
): Promise<BenchClickHouse> {
  if (clickhouseUrl) return { url: clickhouseUrl, close: async () => {} };
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gh-bench-ch-'));
  const ch = await startLocalClickHouse({
    dataDir,
    httpPort: await freePort(),
    tcpPort: await freePort(),
  });
  return {
    url: ch.url,
    async close() {
      await ch.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
