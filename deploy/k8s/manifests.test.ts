import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { DELIBERATELY_UNSET, envVarsReadBy, PARTS, REPO_ROOT } from '../support/env-vars.js';
import { containerEnv, type Manifest, validateManifests } from '../support/k8s-validate.js';
import { renderKustomization } from '../support/kustomize-lite.js';

const K8S = import.meta.dirname;
const BASE = join(K8S, 'base');
const OVERLAYS = ['dev', 'prod'];
const MONITORING = join(K8S, 'monitoring');
const scratch = mkdtempSync(join(tmpdir(), 'gatehouse-k8s-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function readManifests(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS())
    .filter((doc) => doc !== null)
    .map((doc) => ({ file: relative(REPO_ROOT, file), doc }));
}

function kustomization(dir: string) {
  return readManifests(join(dir, 'kustomization.yaml'))[0]!.doc;
}

function baseManifests(): Manifest[] {
  const k = kustomization(BASE);
  return (k.resources as string[]).flatMap((r) => readManifests(join(BASE, r)));
}

/** kustomize is built into kubectl; absent on CI machines, present on many laptops. */
const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;

function kubectlRender(overlay: string): Manifest[] {
  const out = spawnSync('kubectl', ['kustomize', join(K8S, 'overlays', overlay)], {
    encoding: 'utf8',
  });
  expect(out.status, out.stderr).toBe(0);
  return parseAllDocuments(out.stdout)
    .map((d) => d.toJS())
    .filter((doc) => doc !== null)
    .map((doc) => ({ file: `overlays/${overlay} (kubectl kustomize)`, doc }));
}

/** The overlay as kustomize renders it (deploy/support/kustomize-lite.ts; no kubectl needed). */
function render(overlay: string): Manifest[] {
  return renderKustomization(join(K8S, 'overlays', overlay)).map((doc) => ({
    file: `overlays/${overlay} (rendered)`,
    doc,
  }));
}

describe('kubernetes manifests (kustomize base and overlays)', () => {
  it('every manifest file is listed in its kustomization and every listed file exists', () => {
    for (const dir of [BASE, MONITORING, ...OVERLAYS.map((o) => join(K8S, 'overlays', o))]) {
      const k = kustomization(dir);
      const listed = new Set<string>([
        ...((k.resources ?? []) as string[]),
        ...((k.patches ?? []) as { path?: string }[]).flatMap((p) => (p.path ? [p.path] : [])),
      ]);
      for (const entry of listed) {
        expect(existsSync(join(dir, entry)), `${dir}: ${entry} is listed but missing`).toBe(true);
      }
      const files = readdirSync(dir).filter(
        (f) => f.endsWith('.yaml') && f !== 'kustomization.yaml',
      );
      for (const f of files)
        expect(listed, `${relative(REPO_ROOT, dir)}/${f} not listed`).toContain(f);
    }
  });

  it('base manifests pass the structural validation', () => {
    expect(validateManifests(baseManifests())).toEqual([]);
  });

  it('the validation reports a container without probes, a selector mismatch and a missing secret key', () => {
    const broken = structuredClone(baseManifests());
    const gateway = broken.find(
      (m) => m.doc.kind === 'Deployment' && m.doc.metadata.name === 'gatehouse-gateway',
    )!;
    delete gateway.doc.spec.template.spec.containers[0].readinessProbe;
    gateway.doc.spec.selector.matchLabels = { 'app.kubernetes.io/name': 'something-else' };
    gateway.doc.spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.key = 'NOPE';
    const problems = validateManifests(broken).join('\n');
    expect(problems).toContain('readinessProbe must GET /readyz');
    expect(problems).toContain('spec.selector.matchLabels does not match');
    expect(problems).toContain('missing Secret key gatehouse-secrets/NOPE');
  });

  it('the gateway is autoscaled and every part has a disruption budget', () => {
    const ms = baseManifests();
    const hpa = ms.find((m) => m.doc.kind === 'HorizontalPodAutoscaler')!;
    expect(hpa.doc.spec.scaleTargetRef).toMatchObject({
      kind: 'Deployment',
      name: 'gatehouse-gateway',
    });
    expect(hpa.doc.spec.minReplicas).toBeGreaterThanOrEqual(2);
    const pdbs = ms
      .filter((m) => m.doc.kind === 'PodDisruptionBudget')
      .map((m) => m.doc.metadata.name);
    expect(pdbs.sort()).toEqual(['gatehouse-api', 'gatehouse-collector', 'gatehouse-gateway']);
  });

  it('secrets hold placeholders only', () => {
    for (const m of baseManifests().filter((x) => x.doc.kind === 'Secret')) {
      expect(m.doc.data, `${m.doc.metadata.name} must use stringData placeholders`).toBeUndefined();
      for (const [key, value] of Object.entries(m.doc.stringData as Record<string, string>)) {
        expect(value, `${m.doc.metadata.name}.${key}`).not.toMatch(/-----BEGIN/);
        const password = /:\/\/[^:/@]+:([^@]*)@/.exec(value)?.[1];
        if (password !== undefined)
          expect(password, `${m.doc.metadata.name}.${key}`).toBe('REPLACE');
        else if (!/^[a-z]+:\/\//.test(value))
          expect(value, `${m.doc.metadata.name}.${key}`).toMatch(/^REPLACE/);
      }
    }
  });

  const deploymentFor: Record<string, string> = {
    api: 'gatehouse-api',
    gateway: 'gatehouse-gateway',
    collector: 'gatehouse-collector',
  };
  for (const part of PARTS) {
    const read = envVarsReadBy(part);
    it.skipIf(read === undefined)(
      `${part}: every variable ${part}/src/config.ts reads is set (skipped while it does not exist)`,
      () => {
        const ms = baseManifests();
        const dep = ms.find(
          (m) => m.doc.kind === 'Deployment' && m.doc.metadata.name === deploymentFor[part],
        )!;
        const set = containerEnv(ms, dep.doc.spec.template.spec.containers[0]);
        const missing = read!.filter((v) => !set.has(v) && !(v in DELIBERATELY_UNSET[part]));
        expect(missing).toEqual([]);
      },
    );
  }

  for (const part of PARTS) {
    it.skipIf(envVarsReadBy(part) === undefined)(
      `${part}: its own loadConfig accepts the environment the manifests give it (skipped while config.ts does not exist)`,
      async () => {
        const ms = baseManifests();
        const dep = ms.find(
          (m) => m.doc.kind === 'Deployment' && m.doc.metadata.name === deploymentFor[part],
        )!;
        const container = dep.doc.spec.template.spec.containers[0];
        const env: Record<string, string> = {};
        for (const from of container.envFrom ?? []) {
          const cm = ms.find(
            (m) => m.doc.kind === 'ConfigMap' && m.doc.metadata.name === from.configMapRef.name,
          )!;
          Object.assign(env, cm.doc.data);
        }
        for (const e of container.env ?? []) {
          const ref = e.valueFrom?.secretKeyRef;
          const secret = ms.find(
            (m) => m.doc.kind === 'Secret' && m.doc.metadata.name === ref?.name,
          );
          env[e.name] = ref ? secret!.doc.stringData[ref.key] : e.value;
        }
        if (env.GATEWAY_CONFIG) {
          // The file the ConfigMap mounts at GATEWAY_CONFIG, validated by the gateway's own schema.
          const file = ms.find(
            (m) => m.doc.kind === 'ConfigMap' && m.doc.metadata.name === 'gatehouse-gateway-file',
          )!;
          env.GATEWAY_CONFIG = join(scratch, 'gateway.yml');
          writeFileSync(env.GATEWAY_CONFIG, file.doc.data['gateway.yml']);
        }
        const mod: { loadConfig?: (env: NodeJS.ProcessEnv) => unknown } = await import(
          pathToFileURL(join(REPO_ROOT, part, 'src', 'config.ts')).href
        );
        expect(() => mod.loadConfig!(env)).not.toThrow();
      },
    );
  }

  for (const overlay of OVERLAYS) {
    it(`overlay ${overlay} renders and passes the validation`, () => {
      const ms = render(overlay);
      expect(validateManifests(ms)).toEqual([]);
      const ns = ms.find((m) => m.doc.kind === 'Namespace')!.doc.metadata.name;
      for (const m of ms.filter((x) => x.doc.kind !== 'Namespace')) {
        expect(m.doc.metadata.namespace, `${m.doc.kind}/${m.doc.metadata.name}`).toBe(ns);
      }
      for (const d of ms.filter((x) => x.doc.kind === 'Deployment')) {
        for (const c of d.doc.spec.template.spec.containers) {
          expect(c.image, 'images carry a tag from the overlay').toMatch(
            /^gatehouse\/[a-z]+:[\w.-]+$/,
          );
          expect(c.image).not.toMatch(/:latest$/);
        }
      }
    });
  }

  it.skipIf(!kubectl)(
    'prod exposes the gateway through a LoadBalancer that keeps client addresses (skipped without kubectl)',
    () => {
      const svc = render('prod').find(
        (m) => m.doc.kind === 'Service' && m.doc.metadata.name === 'gatehouse-gateway',
      )!;
      expect(svc.doc.spec).toMatchObject({ type: 'LoadBalancer', externalTrafficPolicy: 'Local' });
    },
  );

  for (const overlay of [...OVERLAYS, '../monitoring']) {
    it.skipIf(!kubectl)(
      `overlay ${overlay}: the renderer used above matches kubectl kustomize exactly (skipped without kubectl)`,
      () => {
        const key = (m: Manifest) => `${m.doc.kind}/${m.doc.metadata.name}`;
        const ours = new Map(render(overlay).map((m) => [key(m), m.doc]));
        const theirs = kubectlRender(overlay);
        expect(theirs.map(key).sort()).toEqual([...ours.keys()].sort());
        for (const m of theirs) expect(ours.get(key(m)), key(m)).toEqual(m.doc);
      },
    );
  }

  it('the validation refuses a secret volume mode written as 0440 but read as decimal 440', () => {
    const broken = structuredClone(baseManifests());
    const gateway = broken.find(
      (m) => m.doc.kind === 'Deployment' && m.doc.metadata.name === 'gatehouse-gateway',
    )!;
    gateway.doc.spec.template.spec.volumes.find(
      (v: { secret?: unknown }) => v.secret,
    ).secret.defaultMode = 440;
    expect(validateManifests(broken).join('\n')).toContain('grants write or execute');
  });

  it('the Prometheus Operator rule carries exactly the groups of deploy/prometheus/alerts.yml', () => {
    const [rule] = renderKustomization(MONITORING).filter((d) => d.kind === 'PrometheusRule');
    const alerts = parseAllDocuments(
      readFileSync(join(K8S, '..', 'prometheus', 'alerts.yml'), 'utf8'),
    )[0]!.toJS();
    expect(rule!.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(rule!.spec.groups).toEqual(alerts.groups);
  });

  it('the PodMonitors select the gateway and collector pods on ports their containers declare', () => {
    const deployments = baseManifests().filter((m) => m.doc.kind === 'Deployment');
    const monitors = renderKustomization(MONITORING).filter((d) => d.kind === 'PodMonitor');
    expect(monitors.map((m) => m.metadata.name).sort()).toEqual([
      'gatehouse-collector',
      'gatehouse-gateway',
    ]);
    for (const pm of monitors) {
      expect(pm.apiVersion).toBe('monitoring.coreos.com/v1');
      expect(pm.metadata.namespace).toBe('gatehouse');
      const sel = pm.spec.selector.matchLabels as Record<string, string>;
      const dep = deployments.find((d) =>
        Object.entries(sel).every(([k, v]) => d.doc.spec.template.metadata.labels[k] === v),
      );
      expect(dep, pm.metadata.name).toBeDefined();
      const ports = dep!.doc.spec.template.spec.containers.flatMap(
        (c: { ports: { name: string }[] }) => c.ports.map((p) => p.name),
      );
      for (const ep of pm.spec.podMetricsEndpoints) {
        expect(ports, pm.metadata.name).toContain(ep.port);
        expect(ep.path).toBe('/metrics');
      }
      // Jobs are named after the pod's app.kubernetes.io/name, which the alert rules match.
      expect(pm.spec.jobLabel).toBe('app.kubernetes.io/name');
      expect(dep!.doc.spec.template.metadata.labels['app.kubernetes.io/name']).toMatch(
        /^gatehouse-/,
      );
    }
  });

  it('the overlays patch only objects the base defines', () => {
    const names = new Set(baseManifests().map((m) => `${m.doc.kind}/${m.doc.metadata.name}`));
    for (const overlay of OVERLAYS) {
      const dir = join(K8S, 'overlays', overlay);
      for (const p of (kustomization(dir).patches ?? []) as { path?: string }[]) {
        if (!p.path) continue;
        for (const m of readManifests(join(dir, p.path))) {
          expect(names, `${overlay}/${p.path}`).toContain(`${m.doc.kind}/${m.doc.metadata.name}`);
        }
      }
    }
    expect(dirname(BASE)).toBe(K8S);
  });
});
