/**
 * V8 flags every gateway process runs with. They are given on the command line in the image's
 * CMD, by the launcher (`npm start`) and by the benchmark, and the cluster primary hands them
 * to its workers.
 *
 * `--heap-growing-percent=300`: after each full GC, let the old generation grow to 4× what
 * survived before the next one, rather than V8's adaptive ~1.3× for a small heap. The gateway's
 * live heap is small (~25 MB) and steady, and V8 starts its next full GC 8 MB before the
 * limit. So at 1.2k req/s it ran one every ~7 s. Each one is ~100 ms in which V8's marking
 * threads share the gateway's core with its event loop: stalls of 20–40 ms at a time, the
 * largest cause of the data plane's p99 at half load (bench/README.md, "full GCs").
 * With the flag, the bench counted 0 full GCs in 40 s at the same rate against 5 without, and
 * the heap grows by tens of MB.
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--heap-growing-percent=300'];

/** The flags of `GATEWAY_NODE_FLAGS` that `execArgv` lacks (matched by name, any value). */
export function missingNodeFlags(execArgv: readonly string[]): string[] {
  const name = (flag: string) => flag.split('=')[0]!.replace(/_/g, '-');
  const given = new Set(execArgv.map(name));
  return GATEWAY_NODE_FLAGS.filter((f) => !given.has(name(f)));
}
