/**
 * Structural validation of Kubernetes manifests, for machines without kubeconform/kubeval (none
 * is installable here from apt or npm). Checks what a schema would plus the cross-object rules
 * a schema cannot: selectors match pod labels, Services target declared ports, every container
 * has probes, resources and a locked-down securityContext, every referenced ConfigMap/Secret
 * key exists. Returns one readable line per problem; an empty list means valid.
 */

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML is walked dynamically and checked field by field
type Obj = Record<string, any>;

export interface Manifest {
  file: string;
  doc: Obj;
}

const REQUIRED_API_VERSION: Record<string, string> = {
  Deployment: 'apps/v1',
  Service: 'v1',
  ConfigMap: 'v1',
  Secret: 'v1',
  Namespace: 'v1',
  HorizontalPodAutoscaler: 'autoscaling/v2',
  PodDisruptionBudget: 'policy/v1',
};

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function labelsMatch(selector: Obj | undefined, labels: Obj | undefined): boolean {
  if (!isObj(selector) || Object.keys(selector).length === 0 || !isObj(labels)) return false;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function name(m: Manifest): string {
  return `${m.file}: ${m.doc.kind}/${m.doc.metadata?.name ?? '?'}`;
}

export function validateManifests(manifests: Manifest[]): string[] {
  const problems: string[] = [];
  const byKind = (kind: string) => manifests.filter((m) => m.doc.kind === kind);
  const configMaps = new Map(byKind('ConfigMap').map((m) => [m.doc.metadata?.name, m.doc]));
  const secrets = new Map(
    byKind('Secret').map((m) => [
      m.doc.metadata?.name,
      { ...(m.doc.data ?? {}), ...(m.doc.stringData ?? {}) },
    ]),
  );
  const deployments = byKind('Deployment');

  for (const m of manifests) {
    const { doc } = m;
    if (!isObj(doc)) {
      problems.push(`${m.file}: document is not a mapping`);
      continue;
    }
    if (typeof doc.kind !== 'string') problems.push(`${m.file}: missing kind`);
    if (
      typeof doc.metadata?.name !== 'string' ||
      !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(doc.metadata.name)
    ) {
      problems.push(`${name(m)}: metadata.name missing or not a DNS-1123 name`);
    }
    const wanted = REQUIRED_API_VERSION[doc.kind];
    if (wanted === undefined) problems.push(`${name(m)}: unexpected kind`);
    else if (doc.apiVersion !== wanted)
      problems.push(`${name(m)}: apiVersion ${doc.apiVersion}, want ${wanted}`);
  }

  for (const m of deployments) {
    const spec = m.doc.spec ?? {};
    const tpl = spec.template ?? {};
    const podLabels = tpl.metadata?.labels;
    if (!labelsMatch(spec.selector?.matchLabels, podLabels)) {
      problems.push(`${name(m)}: spec.selector.matchLabels does not match the pod template labels`);
    }
    const pod = tpl.spec ?? {};
    const podSec = pod.securityContext ?? {};
    if (podSec.runAsNonRoot !== true)
      problems.push(`${name(m)}: pod securityContext.runAsNonRoot is not true`);
    const volumes = new Set((pod.volumes ?? []).map((v: Obj) => v.name));
    for (const v of pod.volumes ?? []) {
      const mode = (v.secret ?? v.configMap)?.defaultMode;
      // Read-only for owner/group at most. Catches 0440 written where a YAML 1.2 tool reads 440.
      if (
        mode !== undefined &&
        (!Number.isInteger(mode) || mode < 0 || mode > 0o777 || (mode & 0o333) !== 0)
      ) {
        problems.push(
          `${name(m)}: volume ${v.name} defaultMode ${mode} (0${Number(mode).toString(8)}) grants write or execute`,
        );
      }
      if (v.configMap && !configMaps.has(v.configMap.name)) {
        problems.push(`${name(m)}: volume ${v.name} uses unknown ConfigMap ${v.configMap.name}`);
      }
      if (v.secret && !secrets.has(v.secret.secretName)) {
        problems.push(`${name(m)}: volume ${v.name} uses unknown Secret ${v.secret.secretName}`);
      }
    }
    const containers: Obj[] = pod.containers ?? [];
    if (containers.length === 0) problems.push(`${name(m)}: no containers`);
    for (const c of containers) {
      const where = `${name(m)} container ${c.name}`;
      if (typeof c.image !== 'string' || c.image === '') problems.push(`${where}: no image`);
      const portNames = new Set((c.ports ?? []).map((p: Obj) => p.name));
      for (const probe of ['readinessProbe', 'livenessProbe'] as const) {
        const p = c[probe];
        const path = p?.httpGet?.path;
        const expected = probe === 'readinessProbe' ? '/readyz' : '/healthz';
        if (path !== expected) problems.push(`${where}: ${probe} must GET ${expected}`);
        const port = p?.httpGet?.port;
        if (typeof port === 'string' && !portNames.has(port)) {
          problems.push(`${where}: ${probe} port ${port} is not a declared container port`);
        }
      }
      for (const kind of ['requests', 'limits'] as const) {
        for (const res of ['cpu', 'memory']) {
          if (c.resources?.[kind]?.[res] === undefined)
            problems.push(`${where}: resources.${kind}.${res} missing`);
        }
      }
      const sec = c.securityContext ?? {};
      if (sec.readOnlyRootFilesystem !== true)
        problems.push(`${where}: readOnlyRootFilesystem is not true`);
      if (sec.allowPrivilegeEscalation !== false)
        problems.push(`${where}: allowPrivilegeEscalation is not false`);
      if (!(sec.capabilities?.drop ?? []).includes('ALL'))
        problems.push(`${where}: capabilities do not drop ALL`);
      for (const mount of c.volumeMounts ?? []) {
        if (!volumes.has(mount.name))
          problems.push(`${where}: volumeMount ${mount.name} has no volume`);
      }
      for (const from of c.envFrom ?? []) {
        const ref = from.configMapRef?.name;
        if (ref !== undefined && !configMaps.has(ref))
          problems.push(`${where}: envFrom unknown ConfigMap ${ref}`);
      }
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref && !secrets.get(ref.name)?.[ref.key]) {
          problems.push(
            `${where}: env ${e.name} refers to missing Secret key ${ref.name}/${ref.key}`,
          );
        }
      }
    }
  }

  for (const m of byKind('Service')) {
    const target = deployments.find((d) =>
      labelsMatch(m.doc.spec?.selector, d.doc.spec?.template?.metadata?.labels),
    );
    if (!target) {
      problems.push(`${name(m)}: selector matches no Deployment's pod labels`);
      continue;
    }
    const ports = (target.doc.spec.template.spec.containers ?? []).flatMap(
      (c: Obj) => c.ports ?? [],
    );
    for (const p of m.doc.spec?.ports ?? []) {
      const ok = ports.some(
        (cp: Obj) => cp.name === p.targetPort || cp.containerPort === p.targetPort,
      );
      if (!ok)
        problems.push(
          `${name(m)}: targetPort ${p.targetPort} is not a container port of ${target.doc.metadata.name}`,
        );
    }
  }

  for (const m of byKind('HorizontalPodAutoscaler')) {
    const ref = m.doc.spec?.scaleTargetRef ?? {};
    const target = deployments.find(
      (d) => ref.kind === 'Deployment' && d.doc.metadata?.name === ref.name,
    );
    if (!target) problems.push(`${name(m)}: scaleTargetRef ${ref.kind}/${ref.name} not found`);
    else if (target.doc.spec?.replicas !== undefined) {
      problems.push(
        `${name(m)}: Deployment ${ref.name} sets spec.replicas, which fights the autoscaler`,
      );
    }
    const { minReplicas, maxReplicas } = m.doc.spec ?? {};
    if (
      !(
        Number.isInteger(minReplicas) &&
        Number.isInteger(maxReplicas) &&
        minReplicas >= 1 &&
        maxReplicas >= minReplicas
      )
    ) {
      problems.push(`${name(m)}: minReplicas/maxReplicas missing or inconsistent`);
    }
  }

  for (const m of byKind('PodDisruptionBudget')) {
    const sel = m.doc.spec?.selector?.matchLabels;
    if (!deployments.some((d) => labelsMatch(sel, d.doc.spec?.template?.metadata?.labels))) {
      problems.push(`${name(m)}: selector matches no Deployment's pod labels`);
    }
    if ((m.doc.spec?.minAvailable === undefined) === (m.doc.spec?.maxUnavailable === undefined)) {
      problems.push(`${name(m)}: set exactly one of minAvailable and maxUnavailable`);
    }
  }

  for (const d of deployments) {
    const labels = d.doc.spec?.template?.metadata?.labels;
    if (
      !byKind('PodDisruptionBudget').some((p) =>
        labelsMatch(p.doc.spec?.selector?.matchLabels, labels),
      )
    ) {
      problems.push(`${name(d)}: no PodDisruptionBudget covers it`);
    }
  }

  return problems;
}

/** Env names a container receives: its `env` plus every key of the ConfigMaps in `envFrom`. */
export function containerEnv(manifests: Manifest[], container: Obj): Set<string> {
  const names = new Set<string>((container.env ?? []).map((e: Obj) => e.name));
  for (const from of container.envFrom ?? []) {
    const cm = manifests.find(
      (m) => m.doc.kind === 'ConfigMap' && m.doc.metadata?.name === from.configMapRef?.name,
    );
    for (const key of Object.keys(cm?.doc.data ?? {})) names.add(key);
  }
  return names;
}
