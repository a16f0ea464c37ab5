// The gateway runs in the benchmark as it is deployed: JavaScript compiled by tsc with the
// production tsconfig (deploy/docker/Dockerfile), @gatehouse/shared from its compiled `dist`
// through the `gatehouse-dist` export condition. Running the TypeScript through tsx instead
// measures tsx: its esbuild output wraps every closure created per request in `__name(...)`
// (an Object.defineProperty each), which production code never pays.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { benchPath } from './processes.js';

/** Node flags for a process that loads the compiled gateway. */
export const DIST_NODE_FLAGS = ['--conditions=gatehouse-dist'];

/**
 * The V8 flags a gateway tree ships with (its `src/node-flags.ts`, which the image's CMD and the
 * launcher use), so each tree of an A/B run runs as it would be deployed; none for a tree that
 * predates the file.
 */
export async function gatewayNodeFlags(gatewayDir: string): Promise<string[]> {
  const file = join(gatewayDir, 'src', 'node-flags.ts');
  if (!existsSync(file)) return [];
  const mod = (await import(pathToFileURL(file).href)) as { GATEWAY_NODE_FLAGS?: unknown };
  const flags = mod.GATEWAY_NODE_FLAGS;
  return Array.isArray(flags) ? flags.map(String) : [];
}

const root = resolve(benchPath('..'));
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

function run(project: string): void {
  execFileSync(process.execPath, [tsc, '-p', project], { cwd: root, stdio: 'pipe' });
}

/**
 * Compiles @gatehouse/shared and the gateway into their `dist/` folders (git-ignored), and the
 * gateway copy in `snapshotGatewayDir` (an A/B base from bench/ab-snapshot.sh) into its own
 * `dist/`. Throws with tsc's output when the checkout's own build fails.
 */
export function buildGateway(snapshotGatewayDir: string | null): void {
  try {
    run('deploy/docker/tsconfig.shared.json');
    run('deploy/docker/tsconfig.gateway.json');
  } catch (e) {
    const out = (e as { stdout?: Buffer }).stdout?.toString() ?? String(e);
    throw new Error(`tsc could not build the gateway for the benchmark:\n${out.slice(0, 2000)}`);
  }
  if (!snapshotGatewayDir) return;
  const dir = resolve(snapshotGatewayDir);
  const config = join(dir, '..', 'tsconfig.bench.json');
  writeFileSync(
    config,
    JSON.stringify({
      extends: join(root, 'deploy/docker/tsconfig.gateway.json'),
      compilerOptions: { rootDir: join(dir, 'src'), outDir: join(dir, 'dist') },
      include: [join(dir, 'src')],
      exclude: [join(dir, 'src/**/*.test.ts')],
    }),
  );
  try {
    run(config);
  } catch (e) {
    // An older snapshot may not typecheck against today's dependencies; tsc still emits it.
    if (!existsSync(join(dir, 'dist', 'app.js'))) {
      const out = (e as { stdout?: Buffer }).stdout?.toString() ?? String(e);
      throw new Error(`tsc could not build the snapshot in ${dir}:\n${out.slice(0, 2000)}`);
    }
  }
}

/**
 * The bench processes that run while something is measured (the gateway harness, the upstream,
 * the bare Node proxy, the loaders), with the modules they import.
 */
const HARNESS = [
  'servers/gateway.ts',
  'servers/upstream.ts',
  'servers/node-proxy.ts',
  'servers/ready.ts',
  'load/fixed-rate.ts',
  'load/hold-connections.ts',
  'lib/processes.ts',
  'lib/net.ts',
  'lib/stats.ts',
  'lib/arrival-schedule.ts',
  'lib/http1-pool.ts',
  'lib/http1-reader.ts',
  'lib/stall-log.ts',
];

/** The measured bench processes compiled to JavaScript. */
export interface Harness {
  /** The compiled file of a bench/ TypeScript entry, e.g. `load/fixed-rate.ts`. */
  path(rel: string): string;
}

/**
 * The measured bench processes as plain JavaScript in `dir`, so none of them loads tsx: tsx's
 * module-hooks thread is a second V8 isolate whose idle-time full GCs (a "reduce" mark-compact with
 * 12–19 ms steps, ~8 s after start) ran beside the process's own thread, on its core, in the
 * middle of the latency runs: on the proxy core for the gateway and the bare Node proxy, on the
 * load core for the upstream and the fixed-rate loader (a 40–100 ms stall of every target's
 * requests at the same second of each run). `node_modules` links to the repo's, so bare imports
 * (http-proxy) resolve as from bench/.
 */
export function buildHarness(dir: string): Harness {
  for (const rel of HARNESS) {
    const out = ts.transpileModule(readFileSync(benchPath(rel), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const file = join(dir, rel.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, out);
  }
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  if (!existsSync(join(dir, 'node_modules')))
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  return {
    path(rel) {
      if (!HARNESS.includes(rel)) throw new Error(`bench/${rel} is not in the compiled harness`);
      return join(dir, rel.replace(/\.ts$/, '.js'));
    },
  };
}
