import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../support/env-vars.js';

const HERE = import.meta.dirname;
const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;

function run(args: string[], cwd = REPO_ROOT) {
  const out = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  return { status: out.status, output: `${out.stdout}\n${out.stderr}` };
}

/** A scratch copy of deploy/prometheus, for mutation checks. */
const scratch = mkdtempSync(join(tmpdir(), 'gatehouse-prom-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Metric names the rules read with the given prefix (recording-rule names contain ':'). */
function metricsUsedByRules(prefix: string): string[] {
  const text = readFileSync(join(HERE, 'alerts.yml'), 'utf8');
  const names = new Set<string>();
  for (const m of text.matchAll(new RegExp(`(?<![\\w:])(${prefix}[a-z0-9_]+)(?![\\w:])`, 'g'))) {
    names.add(m[1]!.replace(/_(bucket|sum|count)$/, ''));
  }
  return [...names].sort();
}

/** prom-client metric names (`name: '…'`) declared in the given source files or folders. */
function declaredMetricNames(paths: string[], prefix: string): string[] | undefined {
  const files = paths
    .map((p) => join(REPO_ROOT, p))
    .filter((p) => existsSync(p))
    .flatMap((p) =>
      statSync(p).isDirectory()
        ? (readdirSync(p, { recursive: true }) as string[]).map((f) => join(p, f))
        : [p],
    )
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  if (files.length === 0) return undefined;
  const names = new Set<string>();
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(new RegExp(`['"\`](${prefix}[a-z0-9_]+)['"\`]`, 'g')))
      names.add(m[1]!);
  }
  return [...names];
}

describe('prometheus rules and alerting config', () => {
  it.skipIf(!promtool)(
    'alerts.yml and prometheus.yml pass promtool check (skipped without promtool)',
    () => {
      const rules = run(['check', 'rules', 'deploy/prometheus/alerts.yml']);
      expect(rules.status, rules.output).toBe(0);
      const config = run(['check', 'config', 'deploy/prometheus/prometheus.yml']);
      expect(config.status, config.output).toBe(0);
    },
  );

  it.skipIf(!promtool)(
    'rules fire on an error-rate spike and a slow tail and stay silent below the thresholds (promtool test rules; skipped without promtool)',
    () => {
      const files = readdirSync(join(HERE, 'tests')).filter((f) => f.endsWith('.yml'));
      expect(files.length).toBeGreaterThan(0);
      const res = run(['test', 'rules', ...files.map((f) => `deploy/prometheus/tests/${f}`)]);
      expect(res.status, res.output).toBe(0);
      expect(res.output).toContain('SUCCESS');
    },
  );

  it.skipIf(!promtool)(
    'the unit tests catch a page threshold raised above the spike (skipped without promtool)',
    () => {
      cpSync(HERE, scratch, { recursive: true });
      const alerts = join(scratch, 'alerts.yml');
      const original = readFileSync(alerts, 'utf8');
      const mutated = original.replace(
        'gatehouse:gateway_errors:ratio_rate5m > 0.05',
        'gatehouse:gateway_errors:ratio_rate5m > 0.5',
      );
      expect(mutated).not.toBe(original);
      writeFileSync(alerts, mutated);
      const res = run(['test', 'rules', 'tests/alerts.test.yml'], scratch);
      expect(res.status).not.toBe(0);
      expect(res.output).toContain('GatehouseHighErrorRate');
    },
  );

  it('every alert carries a severity Alertmanager routes and a runbook link into docs/operations.md', () => {
    const rules = parse(readFileSync(join(HERE, 'alerts.yml'), 'utf8'));
    const am = parse(readFileSync(join(HERE, 'alertmanager.yml'), 'utf8'));
    const receivers = new Set(am.receivers.map((r: { name: string }) => r.name));
    expect(receivers).toContain(am.route.receiver);
    for (const r of am.route.routes) expect(receivers).toContain(r.receiver);
    const docs = readFileSync(join(REPO_ROOT, 'docs', 'operations.md'), 'utf8');
    const alerts = rules.groups
      .flatMap((g: { rules: { alert?: string }[] }) => g.rules)
      .filter((r: { alert?: string }) => r.alert);
    expect(alerts.length).toBeGreaterThanOrEqual(4);
    for (const a of alerts) {
      expect(['critical', 'warning'], a.alert).toContain(a.labels?.severity);
      const anchor = a.annotations.runbook_url.split('#')[1];
      expect(anchor, a.alert).toBe(`alert-${a.alert.toLowerCase()}`);
      expect(docs, `docs/operations.md needs a heading "Alert ${a.alert}"`).toContain(
        `### Alert ${a.alert}`,
      );
    }
  });

  it('prometheus scrapes services that exist in compose.yml on the ports they listen on', () => {
    const prom = parse(readFileSync(join(HERE, 'prometheus.yml'), 'utf8'));
    const compose = parse(readFileSync(join(HERE, '..', 'compose.yml'), 'utf8'), { merge: true });
    const services = Object.keys(compose.services);
    const known: Record<string, string> = {
      '8444': 'gateway admin',
      '4000': 'collector',
      '9090': 'prometheus',
    };
    for (const job of prom.scrape_configs) {
      for (const target of job.static_configs.flatMap((s: { targets: string[] }) => s.targets)) {
        const [host, port] = target.split(':');
        if (host !== '127.0.0.1') expect(services, `${job.job_name}: ${target}`).toContain(host);
        expect(Object.keys(known), `${job.job_name}: ${target}`).toContain(port);
      }
    }
  });

  const sources = [
    { part: 'gateway', paths: ['gateway/src/metrics'], prefix: 'gatehouse_' },
    {
      part: 'collector',
      paths: ['collector/src/metrics.ts', 'collector/src/alerts/alerting.ts'],
      prefix: 'collector_',
    },
  ];
  for (const { part, paths, prefix } of sources) {
    const declared = declaredMetricNames(paths, prefix);
    it.skipIf(declared === undefined)(
      `the ${part} metric names the rules read are the ones ${paths.join(', ')} declares (skipped while missing)`,
      () => {
        const used = metricsUsedByRules(prefix);
        expect(used.length).toBeGreaterThan(0);
        for (const name of used) expect(declared, name).toContain(name);
      },
    );
  }
});
