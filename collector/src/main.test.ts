import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const main = path.join(path.dirname(fileURLToPath(import.meta.url)), 'main.ts');

function run(env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', main], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 50_000,
  });
}

describe('collector main', () => {
  it('without CLICKHOUSE_URL prints one line saying how to set it, and exits non-zero', () => {
    const r = run({});
    expect(r.status).not.toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/CLICKHOUSE_URL is not set.*npm start/);
  });

  it('with a bad value prints one line naming the variable', () => {
    const r = run({
      CLICKHOUSE_URL: 'http://127.0.0.1:1',
      COLLECTOR_INGEST_TOKEN: 'short',
      GATEHOUSE_ADMIN_TOKEN: 'x'.repeat(20),
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^collector: COLLECTOR_INGEST_TOKEN: /),
    ]);
  });
});
