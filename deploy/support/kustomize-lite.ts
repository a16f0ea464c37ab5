/**
 * Renders this repository's kustomize overlays without kubectl, so CI machines (which have no
 * kubectl) still validate what `kubectl apply -k deploy/k8s/overlays/<name>` would create.
 * Supports exactly the features deploy/k8s uses: resources (files and directories), `labels`
 * (metadata only), `namespace`, `images` (newTag), strategic-merge patch files and inline JSON
 * patches with a kind/name-regex target. Anything else is refused, so a new feature in a
 * kustomization fails loudly here instead of being silently ignored. Checked against
 * `kubectl kustomize` where kubectl exists (deploy/k8s/manifests.test.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

// biome-ignore lint/suspicious/noExplicitAny: YAML documents are walked generically
type Obj = Record<string, any>;

const SUPPORTED = new Set([
  'apiVersion',
  'kind',
  'resources',
  'labels',
  'namespace',
  'images',
  'patches',
]);

/** List fields merged by key in strategic merge patches (Kubernetes' patchMergeKey). */
const MERGE_KEYS = ['name', 'topologyKey', 'containerPort', 'mountPath'];

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function readDocs(file: string): Obj[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS())
    .filter((d) => d !== null);
}

export function strategicMerge(target: unknown, patch: unknown): unknown {
  if (isObj(target) && isObj(patch)) {
    const out: Obj = { ...target };
    for (const [k, v] of Object.entries(patch))
      out[k] = k in target ? strategicMerge(target[k], v) : v;
    return out;
  }
  if (Array.isArray(target) && Array.isArray(patch)) {
    const key = MERGE_KEYS.find(
      (k) => patch.every((p) => isObj(p) && k in p) && target.every((t) => isObj(t) && k in t),
    );
    if (key === undefined) return patch;
    // Like kubectl: the patch's items (merged with their originals) in patch order, then the
    // original items the patch does not mention.
    const merged = patch.map((p) => {
      const original = target.find((t) => t[key] === p[key]);
      return original === undefined ? p : strategicMerge(original, p);
    });
    return [...merged, ...target.filter((t) => !patch.some((p) => p[key] === t[key]))];
  }
  return patch;
}

function jsonPatch(doc: Obj, ops: Obj[]): void {
  for (const op of ops) {
    if (op.op !== 'replace' && op.op !== 'add')
      throw new Error(`unsupported JSON patch op ${op.op}`);
    const path = (op.path as string)
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    let node = doc;
    for (const part of path.slice(0, -1)) {
      if (!isObj(node[part])) throw new Error(`JSON patch path ${op.path} does not exist`);
      node = node[part];
    }
    const last = path.at(-1)!;
    if (op.op === 'replace' && !(last in node))
      throw new Error(`JSON patch replace of missing ${op.path}`);
    node[last] = op.value;
  }
}

export function renderKustomization(dir: string): Obj[] {
  const k = readDocs(join(dir, 'kustomization.yaml'))[0]!;
  for (const key of Object.keys(k)) {
    if (!SUPPORTED.has(key))
      throw new Error(`${dir}: kustomization field ${key} is not supported here`);
  }
  let docs: Obj[] = [];
  for (const r of (k.resources ?? []) as string[]) {
    docs.push(
      ...(r.endsWith('.yaml') ? readDocs(join(dir, r)) : renderKustomization(join(dir, r))),
    );
  }
  for (const p of (k.patches ?? []) as Obj[]) {
    if (p.path) {
      for (const patch of readDocs(join(dir, p.path))) {
        const i = docs.findIndex(
          (d) => d.kind === patch.kind && d.metadata?.name === patch.metadata?.name,
        );
        if (i < 0)
          throw new Error(`${dir}/${p.path}: no ${patch.kind}/${patch.metadata?.name} to patch`);
        docs[i] = strategicMerge(docs[i], patch) as Obj;
      }
    } else {
      const ops = parseAllDocuments(p.patch)[0]!.toJS() as Obj[];
      const name = new RegExp(`^(?:${p.target.name})$`);
      const targets = docs.filter((d) => d.kind === p.target.kind && name.test(d.metadata?.name));
      if (targets.length === 0) throw new Error(`${dir}: inline patch matches nothing`);
      for (const t of targets) jsonPatch(t, ops);
    }
  }
  for (const set of (k.labels ?? []) as Obj[]) {
    if (set.includeSelectors || set.includeTemplates)
      throw new Error('labels with selectors/templates unsupported');
    docs = docs.map((d) => ({
      ...d,
      metadata: { ...d.metadata, labels: { ...d.metadata?.labels, ...set.pairs } },
    }));
  }
  for (const img of (k.images ?? []) as Obj[]) {
    for (const d of docs) {
      for (const c of d.spec?.template?.spec?.containers ?? []) {
        const [name] = (c.image as string).split(':');
        if (name === img.name) c.image = `${img.newName ?? name}:${img.newTag}`;
      }
    }
  }
  if (k.namespace) {
    docs = docs.map((d) =>
      d.kind === 'Namespace' ? d : { ...d, metadata: { ...d.metadata, namespace: k.namespace } },
    );
  }
  return docs;
}
