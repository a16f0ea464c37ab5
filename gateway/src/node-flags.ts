/**
 * V8 flags every gateway process runs with. They are given on the command line in the image's
 * CMD, by the launcher (`npm start`) and by the benchmark, and the cluster primary hands them
 * to its workers.
 *
 * `--heap-growing-percent=300`: after each full GC, let the old generation grow to 4× what
 * survived before the next one, rather than V8's adaptive ~1.3× for a small heap. The gateway's
 * live heap is small (~25 MB) and steady, and V8 starts its next full GC 8 MB before the
 * limit, so at 1.2k req/s it ran one every ~7 s. Each one is ~100 ms in which V8's marking
 * threads share the gateway's core with its event loop: stalls of 20–40 ms at a time, the
 * largest cause of the data plane's p99 at half load (bench/README.md, "full GCs").
 * Measured by A/B runs at ~1.7k req/s, 40 s each: 0 full GCs with it against 7 without, and 2
 * with a 2× factor (`=100`). req/s and CPU per request did not change beyond the host's noise
 * (paired ratio against `=100`: 1.01× req/s, 0.98× CPU). The cost is memory: the gateway's RSS
 * under 5,000 connections peaked 8–25 MB higher.
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--heap-growing-percent=300'];

/** The flags of `GATEWAY_NODE_FLAGS` that `execArgv` lacks (matched by name, any value). */
export function missingNodeFlags(execArgv: readonly string[]): string[] {
  const name = (flag: string) => flag.split('=')[0]!.replace(/_/g, '-');
  const given = new Set(execArgv.map(name));
  return GATEWAY_NODE_FLAGS.filter((f) => !given.has(name(f)));
}
