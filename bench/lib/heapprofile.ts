// Reads a V8 sampling heap profile (inspector `HeapProfiler.stopSampling`, taken with the objects
// that the young and old generation GCs collected included) into bytes allocated per request: by
// function, by module, and inclusive for the gateway's own functions. What a request allocates
// sets how often the young-generation GC runs, and so how often a request waits behind its pause.

import { moduleOf } from './cpuprofile.js';

export interface HeapProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  selfSize: number;
  children: HeapProfileNode[];
}

export interface HeapProfile {
  head: HeapProfileNode;
  samples?: { size: number; nodeId: number; ordinal: number }[];
}

export interface AllocationRow {
  name: string;
  /** Bytes allocated per request (sampled estimate). */
  bytesPerRequest: number;
  /** Share of all sampled bytes, 0..100. */
  percent: number;
}

export interface AllocationSummary {
  totalBytes: number;
  requests: number;
  /** Bytes allocated under the inspector session that took the profile (excluded). */
  profilerBytes: number;
  bytesPerRequest: number;
  byFunction: AllocationRow[];
  byModule: AllocationRow[];
  gatewayInclusive: AllocationRow[];
}

const frameName = (f: HeapProfileNode['callFrame']): string =>
  f.url
    ? `${f.functionName || '(anonymous)'} ${moduleOf(f.url)}:${f.lineNumber + 1}`
    : f.functionName || '(anonymous)';

const isGateway = (url: string) => /\/gateway\/(src|dist)\//.test(url);

export function summarizeAllocations(
  p: HeapProfile,
  requests: number,
  top = 30,
): AllocationSummary {
  const fn = new Map<string, number>();
  const mod = new Map<string, number>();
  const incl = new Map<string, number>();
  let totalBytes = 0;
  let profilerBytes = 0;
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  // Depth-first with the stack's gateway frames, so a frame's inclusive bytes count it once even
  // when it recurses.
  const walk = (n: HeapProfileNode, gatewayOnStack: string[], inProfiler: boolean): number => {
    const f = n.callFrame;
    const here = inProfiler || f.url === 'node:inspector';
    const name = frameName(f);
    const own = isGateway(f.url) && !gatewayOnStack.includes(name);
    const stack = own ? [...gatewayOnStack, name] : gatewayOnStack;
    let subtree = n.selfSize;
    if (here) profilerBytes += n.selfSize;
    else if (n.selfSize > 0) {
      totalBytes += n.selfSize;
      add(fn, name, n.selfSize);
      add(mod, f.url ? moduleOf(f.url) : '(native / V8)', n.selfSize);
    }
    for (const c of n.children) subtree += walk(c, stack, here);
    if (own && !here) add(incl, name, subtree);
    return here ? 0 : subtree;
  };
  walk(p.head, [], false);
  const per = Math.max(1, requests);
  const rows = (m: Map<string, number>) =>
    [...m.entries()]
      .map(([name, bytes]) => ({
        name,
        bytesPerRequest: bytes / per,
        percent: (bytes / (totalBytes || 1)) * 100,
      }))
      .sort((a, b) => b.bytesPerRequest - a.bytesPerRequest)
      .slice(0, top);
  return {
    totalBytes,
    requests,
    profilerBytes,
    bytesPerRequest: totalBytes / per,
    byFunction: rows(fn),
    byModule: rows(mod),
    gatewayInclusive: rows(incl),
  };
}

export function renderAllocationSummary(s: AllocationSummary): string {
  const fmt = (r: AllocationRow) =>
    `${r.bytesPerRequest.toFixed(0).padStart(7)} B ${r.percent.toFixed(1).padStart(5)} %  ${r.name}`;
  return [
    `allocations: ${(s.totalBytes / 1e6).toFixed(1)} MB sampled over ${s.requests} requests, ${s.bytesPerRequest.toFixed(0)} bytes a request (the profiler's own ${(s.profilerBytes / 1e6).toFixed(1)} MB excluded)`,
    '',
    'bytes a request by allocating function:',
    ...s.byFunction.map(fmt),
    '',
    'by module:',
    ...s.byModule.map(fmt),
    '',
    'inclusive bytes of gateway functions (their own and everything they call):',
    ...s.gatewayInclusive.map(fmt),
  ].join('\n');
}
