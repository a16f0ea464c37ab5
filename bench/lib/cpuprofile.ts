// Reads a V8 `.cpuprofile` (written by `node --cpu-prof`) into self-time tables:
// per function and per module (package or source folder), as a share of busy time.

export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    hitCount?: number;
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTimeRow {
  name: string;
  selfMs: number;
  /** Share of busy (non-idle) time, 0..100. */
  percent: number;
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  /** Time inside the in-process inspector session that took the profile (excluded). */
  profilerMs: number;
  byFunction: SelfTimeRow[];
  byModule: SelfTimeRow[];
  /** Inclusive (self + callees) time of the gateway's own functions: what each step costs. */
  gatewayInclusive: SelfTimeRow[];
}

/** `file:///work/main/node_modules/express/lib/router.js` → `express`; gateway files keep their path. */
export function moduleOf(url: string): string {
  if (!url) return '(native / V8)';
  if (url.startsWith('node:')) return url;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const src = /\/(gateway|packages\/[^/]+|collector|bench)\/(src\/)?(.*)$/.exec(url);
  if (src) return `${src[1]}/${src[2] ?? ''}${src[3]}`;
  return url.replace(/^file:\/\//, '');
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) return url.slice(nm + '/node_modules/'.length);
  const m = /\/work\/[^/]+\/(.*)$/.exec(url);
  return m ? m[1]! : url.replace(/^file:\/\//, '');
}

export function summarizeProfile(p: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  // Samples under node:inspector are the profiler starting or stopping itself, not the gateway.
  const inProfiler = (id: number): boolean => {
    for (let cur: number | undefined = id; cur !== undefined; cur = parentOf.get(cur)) {
      if (byId.get(cur)?.callFrame.url === 'node:inspector') return true;
    }
    return false;
  };
  const selfById = new Map<number, number>();
  // timeDeltas[i] is the time before sample i; attribute it to the sampled node.
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i]!;
    selfById.set(id, (selfById.get(id) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  }
  let totalMs = 0;
  let idleMs = 0;
  let profilerMs = 0;
  const fn = new Map<string, number>();
  const mod = new Map<string, number>();
  for (const [id, ms] of selfById) {
    const node = byId.get(id);
    if (!node) continue;
    totalMs += ms;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    if (inProfiler(id)) {
      profilerMs += ms;
      continue;
    }
    const name = url
      ? `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}`
      : functionName || '(anonymous)';
    fn.set(name, (fn.get(name) ?? 0) + ms);
    const m = url ? moduleOf(url) : functionName.startsWith('(') ? functionName : '(native / V8)';
    mod.set(m, (mod.get(m) ?? 0) + ms);
  }
  const busy = totalMs - idleMs - profilerMs || 1;
  // Inclusive time of gateway functions: each distinct gateway frame on a sampled stack.
  const incl = new Map<string, number>();
  for (const [id, ms] of selfById) {
    if (byId.get(id)?.callFrame.functionName === '(idle)' || inProfiler(id)) continue;
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parentOf.get(cur)) {
      const f = byId.get(cur)?.callFrame;
      if (!f || !/\/gateway\/(src|dist)\//.test(f.url)) continue;
      const name = `${f.functionName || '(anonymous)'} ${moduleOf(f.url)}`;
      if (seen.has(name)) continue;
      seen.add(name);
      incl.set(name, (incl.get(name) ?? 0) + ms);
    }
  }
  const rows = (m: Map<string, number>) =>
    [...m.entries()]
      .map(([name, selfMs]) => ({ name, selfMs, percent: (selfMs / busy) * 100 }))
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, top);
  return {
    totalMs,
    idleMs,
    profilerMs,
    byFunction: rows(fn),
    byModule: rows(mod),
    gatewayInclusive: rows(incl),
  };
}

export function renderProfileSummary(s: ProfileSummary): string {
  const fmt = (r: SelfTimeRow) => `${r.percent.toFixed(1).padStart(5)} %  ${r.name}`;
  return [
    `profile: ${(s.totalMs / 1000).toFixed(1)} s sampled, ${((s.idleMs / (s.totalMs || 1)) * 100).toFixed(1)} % idle, ${((s.profilerMs / (s.totalMs || 1)) * 100).toFixed(1)} % in the profiler itself (excluded); shares below are of busy time`,
    '',
    'self time by function:',
    ...s.byFunction.map(fmt),
    '',
    'self time by module:',
    ...s.byModule.map(fmt),
    '',
    'inclusive time of gateway functions (self + everything they call):',
    ...s.gatewayInclusive.map(fmt),
  ].join('\n');
}
