import { describe, expect, it } from 'vitest';
import { type HeapProfileNode, summarizeAllocations } from './heapprofile.js';

let nextId = 1;
const node = (
  functionName: string,
  url: string,
  selfSize: number,
  children: HeapProfileNode[] = [],
): HeapProfileNode => ({
  id: nextId++,
  callFrame: { functionName, url, lineNumber: 9, columnNumber: 0 },
  selfSize,
  children,
});

const GW = 'file:///tmp/harness/gateway/dist/policies/auth/index.js';
const UNDICI = 'file:///work/main/node_modules/undici/lib/core/request.js';

describe('summarizeAllocations', () => {
  const profile = {
    head: node('(root)', '', 0, [
      node('authPolicy', GW, 1000, [
        node('Request', UNDICI, 3000, [node('authPolicy', GW, 500)]),
        node('parse', 'node:_http_common', 2000),
      ]),
      node('post', 'node:inspector', 100, [node('dispatch', '', 50_000)]),
      node('(V8 API)', '', 4000),
    ]),
  };
  const s = summarizeAllocations(profile, 10);

  it('divides the sampled bytes by the requests served, leaving out the profiler', () => {
    expect(s.totalBytes).toBe(10_500);
    expect(s.profilerBytes).toBe(50_100);
    expect(s.bytesPerRequest).toBe(1050);
  });

  it('charges bytes to the function that allocated them, a recursion once per name', () => {
    const auth = s.byFunction.find((r) => r.name.startsWith('authPolicy'));
    expect(auth?.bytesPerRequest).toBe(150);
    expect(s.byFunction[0]).toMatchObject({ name: '(V8 API)', bytesPerRequest: 400 });
    expect(s.byModule.find((r) => r.name === 'undici')?.bytesPerRequest).toBe(300);
  });

  it("charges a gateway function with what its callees allocate, counting a recursion's bytes once", () => {
    expect(s.gatewayInclusive).toHaveLength(1);
    expect(s.gatewayInclusive[0]!.bytesPerRequest).toBe(650);
    expect(s.gatewayInclusive[0]!.percent).toBeCloseTo((6500 / 10_500) * 100);
  });
});
