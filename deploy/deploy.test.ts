import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  DELIBERATELY_UNSET,
  envVarsReadBy,
  type Part,
  PARTS,
  REPO_ROOT,
} from './support/env-vars.js';
import { GATEWAY_NODE_FLAGS } from '../gateway/src/node-flags.js';
import { importGraph } from './support/import-graph.js';

const DEPLOY = import.meta.dirname;
// Scratch space inside node_modules/.cache, so compiled files resolve packages (zod) as in the image.
const cache = join(REPO_ROOT, 'node_modules', '.cache');
mkdirSync(cache, { recursive: true });
const dockerfile = readFileSync(join(DEPLOY, 'docker', 'Dockerfile'), 'utf8');
// biome-ignore lint/suspicious/noExplicitAny: the compose file is checked field by field below
const compose: any = parse(readFileSync(join(DEPLOY, 'compose.yml'), 'utf8'), { merge: true });
const generateScript = readFileSync(join(DEPLOY, 'docker', 'secrets', 'generate.sh'), 'utf8');

/** The V8 flags a part's process must start with. */
const NODE_FLAGS: Partial<Record<Part, readonly string[]>> = { gateway: GATEWAY_NODE_FLAGS };

/** Compose service(s) running each part. */
const SERVICES: Record<Part, string[]> = {
  api: ['api'],
  gateway: ['gateway-1', 'gateway-2'],
  collector: ['collector'],
};

/** The instructions of one Dockerfile stage, `FROM … AS name` up to the next FROM. */
function stage(name: string): string {
  const parts = dockerfile.split(/^(?=FROM )/m);
  const found = parts.find((p) =>
    new RegExp(`^FROM \\S+ AS ${name}\\s*$`, 'm').test(p.split('\n')[0]!),
  );
  expect(found, `Dockerfile stage ${name}`).toBeDefined();
  return found!;
}

/** `${NAME:?msg}` / `${NAME:-default}` / `${NAME}` with stand-ins, as compose would interpolate. */
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?::[?-]([^}]*))?\}/g, (_, name: string, rest?: string) => {
    return (
      vars[name] ??
      (value.includes(`${name}:-`) ? (rest ?? '') : `${name.toLowerCase()}-0123456789abcdef`)
    );
  });
}

const requiredVars = [
  ...readFileSync(join(DEPLOY, 'compose.yml'), 'utf8').matchAll(/\$\{([A-Z0-9_]+):\?/g),
].map((m) => m[1]!);

describe('container images (deploy/docker/Dockerfile)', () => {
  it('builds on a current Node LTS slim image', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:(22|24)-slim$/m);
  });

  for (const part of PARTS) {
    it(`${part}: compiled JavaScript with production dependencies only, non-root, with a healthcheck`, () => {
      const s = stage(part);
      expect(s).toMatch(/^FROM runtime AS /m);
      expect(s).toContain(`npm ci --omit=dev --workspace=@gatehouse/${part}`);
      expect(s).toContain(`COPY --from=build-${part} /app/${part}/dist ${part}/dist`);
      expect(s).toMatch(/^USER node$/m);
      expect(s).toMatch(
        /^HEALTHCHECK .*\n\s+CMD node \/app\/healthcheck\.mjs "http:\/\/127\.0\.0\.1:\$\{\w+\}\/healthz"$/m,
      );
      const argv = ['node', ...(NODE_FLAGS[part] ?? []), `${part}/dist/main.js`];
      expect(s).toContain(`CMD [${argv.map((a) => JSON.stringify(a)).join(', ')}]`);
      expect(s).not.toMatch(/tsx|ts-node|--experimental-strip-types|\.ts"/);
      const build = stage(`build-${part}`);
      expect(build).toContain(`npx tsc -p deploy/docker/tsconfig.${part}.json`);
      const tsconfig = JSON.parse(
        readFileSync(join(DEPLOY, 'docker', `tsconfig.${part}.json`), 'utf8'),
      );
      expect(tsconfig.compilerOptions).toMatchObject({
        noEmit: false,
        rootDir: `../../${part}/src`,
        outDir: `../../${part}/dist`,
        customConditions: ['gatehouse-dist'],
      });
      expect(existsSync(join(DEPLOY, 'docker', tsconfig.extends))).toBe(true);
    });
  }

  for (const part of PARTS) {
    const entry = join(REPO_ROOT, part, 'src', 'main.ts');
    it.skipIf(!existsSync(entry))(
      `${part}: what main.ts reaches stays inside ${part}/src and needs only ${part}'s dependencies (skipped while main.ts does not exist)`,
      () => {
        const graph = importGraph(join(REPO_ROOT, part));
        expect(graph.escapes, 'relative imports leaving src/ break the rootDir build').toEqual([]);
        const pkg = JSON.parse(readFileSync(join(REPO_ROOT, part, 'package.json'), 'utf8'));
        const production = Object.keys(pkg.dependencies ?? {});
        const missing = graph.packages.filter((name: string) => !production.includes(name));
        expect(
          missing,
          `not in ${part}/package.json dependencies, so absent from the image`,
        ).toEqual([]);
      },
    );
  }

  it('the import walk reports a package the part does not depend on and an import leaving src/', () => {
    const dir = mkdtempSync(join(cache, 'gatehouse-graph-'));
    try {
      mkdirSync(join(dir, 'src'));
      writeFileSync(
        join(dir, 'src', 'main.ts'),
        "import { a } from './a.js';\nimport type { T } from 'types-only';\n",
      );
      writeFileSync(
        join(dir, 'src', 'a.ts'),
        "import { b } from 'vitest';\nimport '../outside.js';\nexport const a = 1;\n",
      );
      const graph = importGraph(dir);
      expect(graph.files).toEqual(['src/a.ts', 'src/main.ts']);
      expect(graph.packages).toEqual(['vitest']);
      expect(graph.escapes).toEqual(['src/a.ts -> ../outside.js']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the collector image carries the built dashboard and points DASHBOARD_DIR at it', () => {
    const s = stage('collector');
    expect(stage('build-collector')).toContain('npm run build -w @gatehouse/dashboard');
    expect(s).toContain('COPY --from=build-collector /app/dashboard/dist dashboard/dist');
    expect(s).toContain('DASHBOARD_DIR=/app/dashboard/dist');
  });

  it('migrations ship beside dist/ at the depth the code resolves them from', () => {
    for (const part of ['api', 'gateway'] as const) {
      if (existsSync(join(REPO_ROOT, part, 'migrations'))) {
        expect(stage(part)).toContain(`COPY ${part}/migrations ${part}/migrations`);
      }
    }
  });

  it('the build context leaves out node_modules, build output, local data and generated secrets', () => {
    const ignore = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const entry of [
      '**/node_modules',
      '**/dist',
      '**/.data',
      '.git',
      'deploy/docker/secrets',
      '**/.env',
    ]) {
      expect(ignore).toContain(entry);
    }
  });

  // Compiles packages/shared the way the image does and imports the result with plain Node, so a
  // TypeScript-only construct in the shared package breaks here rather than in production.
  const out = mkdtempSync(join(cache, 'gatehouse-shared-dist-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  it('@gatehouse/shared compiles with the image build config into JavaScript Node runs without TypeScript', async () => {
    const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const res = spawnSync(
      process.execPath,
      [tsc, '-p', 'deploy/docker/tsconfig.shared.json', '--outDir', out],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
      },
    );
    expect(res.status, res.stdout + res.stderr).toBe(0);
    expect(existsSync(join(out, 'index.d.ts'))).toBe(true);
    const run = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(pathToFileURL(join(out, 'index.js')).href)}); console.log(Object.keys(m).includes('RequestEventSchema'))`,
      ],
      { cwd: out, encoding: 'utf8' },
    );
    expect(run.stdout.trim(), run.stderr).toBe('true');
  });

  const sharedPkg = JSON.parse(
    readFileSync(join(REPO_ROOT, 'packages', 'shared', 'package.json'), 'utf8'),
  );
  const exportsDist = JSON.stringify(sharedPkg.exports).includes('gatehouse-dist');
  it.skipIf(!exportsDist)(
    'packages/shared exports the gatehouse-dist condition the images run with (skipped until its package.json has it)',
    () => {
      expect(sharedPkg.exports['.']).toEqual({
        'gatehouse-dist': './dist/index.js',
        default: './src/index.ts',
      });
      expect(stage('runtime')).toContain('NODE_OPTIONS=--conditions=gatehouse-dist');
    },
  );
});

describe('full stack (deploy/compose.yml)', () => {
  it('has two gateway replicas, api, collector, ClickHouse, PostgreSQL, Redis, Prometheus and Alertmanager', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      [
        'alertmanager',
        'api',
        'clickhouse',
        'collector',
        'gateway-1',
        'gateway-2',
        'postgres',
        'prometheus',
        'redis',
      ].sort(),
    );
    expect(compose.services.clickhouse.image).toMatch(/^clickhouse\/clickhouse-server:\d+\.\d+/);
    for (const s of ['gateway-1', 'gateway-2', 'api', 'collector']) {
      const target = compose.services[s].build.target;
      expect(stage(target)).toBeTruthy();
      expect(compose.services[s].build.dockerfile).toBe('deploy/docker/Dockerfile');
    }
  });

  it('every service has a healthcheck and the Node services wait for healthy stores', () => {
    for (const [name, svc] of Object.entries<{ healthcheck?: { test: unknown } }>(
      compose.services,
    )) {
      expect(svc.healthcheck?.test, name).toBeDefined();
    }
    expect(compose.services.api.depends_on.postgres.condition).toBe('service_healthy');
    expect(compose.services.collector.depends_on.clickhouse.condition).toBe('service_healthy');
    expect(compose.services['gateway-1'].depends_on.redis.condition).toBe('service_healthy');
  });

  it('publishes each gateway replica on its own host ports and keeps operator ports on loopback', () => {
    const published = Object.values<{ ports?: string[] }>(compose.services).flatMap(
      (s) => s.ports ?? [],
    );
    const hostPorts = published.map((p) => p.split(':').slice(0, -1).join(':'));
    expect(new Set(hostPorts).size).toBe(hostPorts.length);
    expect(compose.services['gateway-1'].ports).toContain('8443:8443');
    expect(compose.services['gateway-2'].ports).toContain('8543:8443');
    for (const p of published) {
      if (!/^(8443|8543|8080|8180):/.test(p))
        expect(p, 'operator ports bind to loopback').toMatch(/^127\.0\.0\.1:/);
    }
  });

  it('uses named volumes for every store and each gateway keeps its own spool volume', () => {
    const named = new Set(Object.keys(compose.volumes));
    for (const [name, svc] of Object.entries<{ volumes?: string[] }>(compose.services)) {
      for (const v of svc.volumes ?? []) {
        const source = v.split(':')[0]!;
        if (source.startsWith('.'))
          expect(existsSync(join(DEPLOY, source)), `${name}: ${source}`).toBe(true);
        else expect(named, `${name}: ${source}`).toContain(source);
      }
    }
    for (const store of ['postgres', 'clickhouse', 'prometheus', 'alertmanager']) {
      expect(
        compose.services[store].volumes.some((v: string) => !v.startsWith('.')),
        store,
      ).toBe(true);
    }
    const spool = (s: string) =>
      compose.services[s].volumes.find((v: string) => v.endsWith(':/var/lib/gatehouse'));
    expect(spool('gateway-1')).not.toBe(spool('gateway-2'));
  });

  it('mounts the alert rules and Alertmanager config, and every config and secret file is committed or generated', () => {
    expect(compose.services.prometheus.volumes).toContain(
      './prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro',
    );
    expect(compose.services.alertmanager.volumes).toContain(
      './prometheus/alertmanager.yml:/etc/alertmanager/alertmanager.yml:ro',
    );
    for (const c of Object.values<{ file: string }>(compose.configs))
      expect(existsSync(join(DEPLOY, c.file)), c.file).toBe(true);
    for (const s of Object.values<{ file: string }>(compose.secrets)) {
      const base = s.file.split('/').at(-1)!;
      expect(generateScript, `generate.sh must write ${base}`).toContain(base);
    }
    for (const v of requiredVars)
      expect(generateScript, `generate.sh must write ${v}`).toContain(`${v}=`);
  });

  for (const part of PARTS) {
    const read = envVarsReadBy(part);
    it.skipIf(read === undefined)(
      `${part}: sets every variable ${part}/src/config.ts reads and none it does not (skipped while it does not exist)`,
      () => {
        for (const service of SERVICES[part]) {
          const set = Object.keys(compose.services[service].environment);
          const missing = read!.filter((v) => !set.includes(v) && !(v in DELIBERATELY_UNSET[part]));
          expect(missing, `${service} leaves these unset`).toEqual([]);
          expect(
            set.filter((v) => !read!.includes(v)),
            `${service} sets variables ${part} never reads`,
          ).toEqual([]);
        }
      },
    );

    it.skipIf(read === undefined)(
      `${part}: its own loadConfig accepts the compose environment (skipped while config.ts does not exist)`,
      async () => {
        const mod: { loadConfig?: (env: NodeJS.ProcessEnv) => unknown } = await import(
          pathToFileURL(join(REPO_ROOT, part, 'src', 'config.ts')).href
        );
        expect(typeof mod.loadConfig).toBe('function');
        for (const service of SERVICES[part]) {
          const env: Record<string, string> = {};
          for (const [k, v] of Object.entries<string>(compose.services[service].environment)) {
            env[k] = interpolate(String(v), {});
          }
          // The gateway's YAML file is mounted from the repository; read that copy.
          if (env.GATEWAY_CONFIG)
            env.GATEWAY_CONFIG = join(DEPLOY, 'docker', 'gateway', 'gateway.yml');
          expect(() => mod.loadConfig!(env), service).not.toThrow();
        }
      },
    );
  }

  const dockerCompose =
    spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!dockerCompose)(
    'docker compose config accepts the file (skipped: needs the docker compose plugin, absent here)',
    () => {
      const env = {
        ...process.env,
        ...Object.fromEntries(requiredVars.map((v) => [v, 'x'.repeat(32)])),
      };
      const res = spawnSync(
        'docker',
        ['compose', '-f', join(DEPLOY, 'compose.yml'), 'config', '-q'],
        {
          env,
          encoding: 'utf8',
        },
      );
      expect(res.status, res.stderr).toBe(0);
    },
  );
});
