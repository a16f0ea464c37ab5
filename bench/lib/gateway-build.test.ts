import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildHarness } from './gateway-build.js';

describe('buildHarness', () => {
  const dir = mkdtempSync(join(tmpdir(), 'harness-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const harness = buildHarness(dir);
  const entries = [
    'servers/gateway.ts',
    'servers/upstream.ts',
    'servers/node-proxy.ts',
    'load/fixed-rate.ts',
    'load/hold-connections.ts',
  ];

  it('compiles every measured process with each module it imports from bench/', () => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      expect(existsSync(file), file).toBe(true);
      const js = readFileSync(file, 'utf8');
      for (const m of js.matchAll(/from '(\.{1,2}\/[^']+)'/g)) visit(resolve(dirname(file), m[1]!));
    };
    for (const rel of entries) visit(harness.path(rel));
    // The entries and their imports, nothing left out.
    expect(seen.size).toBeGreaterThan(entries.length);
  });

  it('resolves bare imports from the repository (http-proxy for the bare Node proxy)', () => {
    expect(existsSync(join(dir, 'node_modules', 'http-proxy', 'package.json'))).toBe(true);
  });

  it('refuses an entry it did not compile, rather than running a missing file', () => {
    expect(() => harness.path('servers/collector.ts')).toThrow(/not in the compiled harness/);
  });
});
