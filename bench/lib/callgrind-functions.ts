// Self instructions by function from callgrind dumps (bench/lib/callgrind.ts writes them), to see
// where a change in instructions per request comes from. Callgrind knows native functions by
// their symbols, but V8's generated code (optimised JavaScript, regular expressions, builtins
// copied off the embedded blob) has none: it shows as bare addresses such as
// `0x000000000d237e80`. A V8 perf map (`node --perf-basic-prof`) names those addresses.
//
// Format of the dumps: https://valgrind.org/docs/manual/cl-format.html

/** One line of a perf map: code at [start, end) named `name`, `order` its line in the file. */
interface PerfMapEntry {
  start: number;
  end: number;
  name: string;
  order: number;
}

/**
 * A V8 perf map, ready for lookups. V8 only appends to the map, and reuses the addresses of code
 * the GC freed, so several entries can cover an address: the one written last is the code that
 * is there now.
 */
export interface PerfMap {
  /** Entries by start address. */
  entries: PerfMapEntry[];
  /** `reach[i]`: the highest end among entries[0..i], which bounds the scan back in `nameAt`. */
  reach: number[];
}

const PERF_MAP_LINE = /^(?:0x)?([0-9a-f]+) (?:0x)?([0-9a-f]+) (.+)$/i;

/** Reads `--perf-basic-prof` lines: `7f3a1c0a2040 1c0 JS:*handleRequest file:///…/x.js:54:34`. */
export function parsePerfMap(text: string): PerfMap {
  const entries: PerfMapEntry[] = [];
  text.split('\n').forEach((line, order) => {
    const m = PERF_MAP_LINE.exec(line.trimEnd());
    if (!m) return;
    const start = Number.parseInt(m[1]!, 16);
    entries.push({ start, end: start + Number.parseInt(m[2]!, 16), name: m[3]!, order });
  });
  entries.sort((a, b) => a.start - b.start || a.order - b.order);
  const reach: number[] = [];
  for (const [i, e] of entries.entries()) reach.push(Math.max(e.end, reach[i - 1] ?? 0));
  return { entries, reach };
}

/** Index of the last entry starting at or before `address`, -1 when none does. */
function lastStartingAtOrBefore(entries: readonly PerfMapEntry[], address: number): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entries[mid]!.start <= address) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** The name of the code at `address` (the latest entry covering it), undefined when none does. */
export function nameAt(map: PerfMap, address: bigint | number): string | undefined {
  // User-space addresses are below 2^47, exact as a double.
  const at = Number(address);
  let latest: PerfMapEntry | undefined;
  // Entries further back can still cover the address only while one of them ends past it.
  for (let i = lastStartingAtOrBefore(map.entries, at); i >= 0 && map.reach[i]! > at; i--) {
    const e = map.entries[i]!;
    if (at < e.end && (!latest || e.order > latest.order)) latest = e;
  }
  return latest?.name;
}

/**
 * Directories a code path is cut back to, wherever the checkout lies, so that the names of two
 * trees (an A/B run's base is another checkout) compare equal: `/x/y/gateway/dist/a.js` →
 * `gateway/dist/a.js`.
 */
export const CODE_ROOTS = ['gateway/dist/', 'packages/', 'node_modules/'] as const;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const ABSOLUTE_TO_ROOT = new RegExp(
  `(^|\\s)/(?:\\S*?/)?(${CODE_ROOTS.map(escapeRegExp).join('|')})`,
  'g',
);

/** A perf-map name with its code path shortened: `JS:*f file:///w/gateway/dist/a.js:1:2` → `JS:*f gateway/dist/a.js:1:2`. */
export function shortenCodePath(name: string, stripPrefixes: readonly string[] = []): string {
  let short = name.replaceAll('file://', '');
  for (const prefix of stripPrefixes) if (prefix) short = short.replaceAll(prefix, '');
  return short.replace(ABSOLUTE_TO_ROOT, '$1$2');
}

/** Callgrind's name for code without a symbol: its address. */
const ADDRESS_NAME = /^0x[0-9a-f]+$/i;

/**
 * The name a function's costs are summed under. Callgrind splits a function that recurses into
 * `f`, `f'2`, `f'3`… (its cycle depth); here they are one function.
 */
function functionName(
  raw: string,
  map: PerfMap | undefined,
  stripPrefixes: readonly string[],
): string {
  const name = raw.replace(/'\d+$/, '');
  if (!map || !ADDRESS_NAME.test(name)) return name;
  const code = nameAt(map, BigInt(name));
  return code === undefined ? name : `JS ${shortenCodePath(code, stripPrefixes)}`;
}

/** `fn=(12) name` defines id 12; a later `fn=(12)` means the same name. */
const NAME_SPEC = /^\((\d+)\)(?: (.*))?$/;

/**
 * Names by compressed id. Callgrind shares one id space between `fn=` and `cfn=` (a callee may be
 * defined by a `cfn=` line and then appear as `fn=`).
 */
function resolveName(spec: string, ids: Map<string, string>): string {
  const m = NAME_SPEC.exec(spec);
  if (!m) return spec;
  const [, id, name] = m;
  if (name !== undefined) ids.set(id!, name);
  return ids.get(id!) ?? `(${id})`;
}

/** A cost line starts with a position: a number, `+N`/`-N` relative to the previous one, or `*`. */
const COST_LINE = /^[0-9+\-*]/;

/**
 * The instructions (the first event) of one cost line: its positions, as many as the
 * `positions:` header names, come first; costs left out at the end are zero.
 */
function firstCost(line: string, positions: number): number {
  const cost = line.trim().split(/\s+/)[positions];
  return cost === undefined ? 0 : Number(cost);
}

/** What `walkDump` reports: a function's own cost, or the inclusive cost of one of its calls. */
interface DumpVisitor {
  self?(fn: string, cost: number): void;
  call?(caller: string, callee: string, inclusive: number): void;
}

/**
 * Walks a callgrind dump's cost lines with their functions' names resolved (compressed ids,
 * recursion depths folded, code without a symbol named from `map`).
 */
function walkDump(
  dumpText: string,
  map: PerfMap | undefined,
  stripPrefixes: readonly string[],
  visit: DumpVisitor,
): void {
  const ids = new Map<string, string>();
  const names = new Map<string, string>();
  const nameOf = (spec: string) => {
    const raw = resolveName(spec, ids);
    let name = names.get(raw);
    if (name === undefined) {
      name = functionName(raw, map, stripPrefixes);
      names.set(raw, name);
    }
    return name;
  };
  let positions = 1;
  let fn: string | undefined;
  let cfn: string | undefined;
  // The cost line after `calls=` is what the call cost in all (the callee's inclusive cost).
  let callCostNext = false;
  for (const line of dumpText.split('\n')) {
    if (COST_LINE.test(line)) {
      const isCall = callCostNext;
      callCostNext = false;
      if (fn === undefined) continue;
      if (!isCall) visit.self?.(fn, firstCost(line, positions));
      else if (cfn !== undefined) visit.call?.(fn, cfn, firstCost(line, positions));
    } else if (line.startsWith('fn=')) {
      fn = nameOf(line.slice(3));
      callCostNext = false;
    } else if (line.startsWith('cfn=')) {
      cfn = nameOf(line.slice(4));
    } else if (line.startsWith('calls=')) {
      callCostNext = true;
    } else if (line.startsWith('positions:')) {
      positions = line.slice('positions:'.length).trim().split(/\s+/).length;
    } else if (line.startsWith('events:')) {
      const first = line.slice('events:'.length).trim().split(/\s+/)[0];
      if (first !== 'Ir') throw new Error(`callgrind dump whose first event is not Ir (${first})`);
    }
  }
}

const add = (costs: Map<string, number>, name: string, cost: number) =>
  costs.set(name, (costs.get(name) ?? 0) + cost);

/**
 * Self instructions by function in one callgrind dump: each function's own cost lines, in every
 * block where it appears, without what its callees cost. Code without a symbol is named from
 * `map` when one is given, its code paths shortened by `shortenCodePath`.
 */
export function selfCosts(
  dumpText: string,
  map?: PerfMap,
  stripPrefixes: readonly string[] = [],
): Map<string, number> {
  const costs = new Map<string, number>();
  walkDump(dumpText, map, stripPrefixes, { self: (fn, cost) => add(costs, fn, cost) });
  return costs;
}

/**
 * What each function spent in calls to the functions whose name contains `callee` (their
 * inclusive cost, callees of the callee included), by caller: who pays for a shared builtin
 * such as a regular expression or a megamorphic load. Calls between two matching functions
 * (a recursion, or one match calling another) are left out, so nothing is counted twice.
 */
export function callerCosts(
  dumpText: string,
  callee: string,
  map?: PerfMap,
  stripPrefixes: readonly string[] = [],
): Map<string, number> {
  const costs = new Map<string, number>();
  walkDump(dumpText, map, stripPrefixes, {
    call: (caller, called, inclusive) => {
      if (called.includes(callee) && !caller.includes(callee)) add(costs, caller, inclusive);
    },
  });
  return costs;
}

/**
 * The dump's `totals:` line, the sum callgrind wrote its cost lines to: self costs add up to it.
 * (Its `summary:` line, the bench's figure, can differ: by 1 % in a window right after the warm-up.)
 */
export function dumpTotals(dumpText: string): number | undefined {
  const m = /^totals:\s*(\d+)/m.exec(dumpText);
  return m ? Number(m[1]) : undefined;
}

/** The costs of several dumps added up. */
export function sumCosts(all: Iterable<ReadonlyMap<string, number>>): Map<string, number> {
  const total = new Map<string, number>();
  for (const costs of all)
    for (const [name, cost] of costs) total.set(name, (total.get(name) ?? 0) + cost);
  return total;
}

/** Costs divided by the number of requests they were counted over. */
export function perRequest(
  costs: ReadonlyMap<string, number>,
  requests: number,
): Map<string, number> {
  return new Map([...costs].map(([name, cost]) => [name, cost / requests]));
}

export function totalCost(costs: ReadonlyMap<string, number>): number {
  let total = 0;
  for (const cost of costs.values()) total += cost;
  return total;
}

export interface CostDiff {
  name: string;
  difference: number;
  a: number;
  b: number;
}

/** Every function of either side, largest increase of `a` against `b` first. */
export function diffCosts(
  a: ReadonlyMap<string, number>,
  b: ReadonlyMap<string, number>,
): CostDiff[] {
  const names = new Set([...a.keys(), ...b.keys()]);
  return [...names]
    .map((name) => {
      const ca = a.get(name) ?? 0;
      const cb = b.get(name) ?? 0;
      return { name, difference: ca - cb, a: ca, b: cb };
    })
    .sort((x, y) => y.difference - x.difference || x.name.localeCompare(y.name));
}

/** A line of the table: its figures (rounded to whole instructions), then the name. */
export interface TableRow {
  name: string;
  figures: readonly number[];
}

/** Enough for a function and its source position; C++ template names run to thousands. */
const NAME_WIDTH = 150;

/** Fixed-width lines, e.g. `   7203    7203       0  JS JS:*authPolicy gateway/dist/…`. */
export function renderTable(rows: readonly TableRow[], limit: number): string[] {
  return rows.slice(0, limit).map((row) => {
    // Math.round, not toFixed: no `-0` for a small decrease.
    const figures = row.figures.map((f) => String(Math.round(f)).padStart(7)).join(' ');
    const name = row.name.length > NAME_WIDTH ? `${row.name.slice(0, NAME_WIDTH - 1)}…` : row.name;
    return `${figures}  ${name}`;
  });
}
