// Attributes the instruction counts of `BENCH_INSTRUCTIONS=1` runs to functions: self
// instructions per request by function, from the callgrind dumps the bench keeps in
// bench/results/callgrind/, V8's generated code included when the run also kept the processes'
// perf maps (BENCH_INSTRUCTION_JS_NAMES=1). With `--vs`, where one side's count differs from the
// other's, e.g. an A/B run's tree against its base:
//
//   node --import tsx bench/callgrind-report.ts --requests 4000 \
//     --map gw-full-https.map gw-full-https.{1,2,3} \
//     --vs --map gw-full-https@base.map gw-full-https@base.{1,2,3}
//
// With `--callers NAME`, what each function spent in calls to the functions whose name contains
// NAME (their inclusive cost), by caller: who pays for a shared builtin, e.g.
// `--callers 'RegExp:[^\t'` for the header-value pattern.
//
// Several dumps of one side are summed (a window's GCs and compilations land in some windows
// and not others). The counts are raw: the process's idle rate, which the bench's report takes
// out, is still in them, the same on both sides.
import { readFileSync } from 'node:fs';
import {
  type CostDiff,
  callerCosts,
  diffCosts,
  dumpTotals,
  type PerfMap,
  parsePerfMap,
  perRequest,
  renderTable,
  selfCosts,
  sumCosts,
  type TableRow,
  totalCost,
} from './lib/callgrind-functions.js';

const USAGE =
  'usage: node --import tsx bench/callgrind-report.ts --requests N [--strip PREFIX]... [--callers NAME] [--map A.map] A.1 A.2 … [--vs [--map B.map] B.1 B.2 …]';

const TOP = 60;
const TOP_DECREASES = 15;

interface Side {
  map?: string;
  dumps: string[];
}

interface Options {
  /** Requests counted in each dump. */
  requests: number;
  /** Path prefixes taken off the code paths of JavaScript names, beyond `CODE_ROOTS`. */
  strip: string[];
  /** Report the callers of the functions whose name contains this, instead of self costs. */
  callers?: string;
  a: Side;
  b?: Side;
}

class UsageError extends Error {}

function parseArguments(args: readonly string[]): Options {
  let requests: number | undefined;
  const strip: string[] = [];
  let callers: string | undefined;
  const a: Side = { dumps: [] };
  let b: Side | undefined;
  let side = a;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === '--requests') {
      requests = Number(value());
      if (!Number.isInteger(requests) || requests <= 0)
        throw new UsageError('--requests must be a positive whole number');
    } else if (arg === '--strip') {
      strip.push(value());
    } else if (arg === '--callers') {
      callers = value();
    } else if (arg === '--map') {
      if (side.map !== undefined) throw new UsageError('one --map per side');
      side.map = value();
    } else if (arg === '--vs') {
      if (b) throw new UsageError('one --vs');
      b = { dumps: [] };
      side = b;
    } else if (arg.startsWith('--')) {
      throw new UsageError(`unknown option ${arg}`);
    } else {
      side.dumps.push(arg);
    }
  }
  if (requests === undefined) throw new UsageError('--requests is required');
  if (a.dumps.length === 0 || b?.dumps.length === 0) throw new UsageError('a side without dumps');
  if (callers !== undefined && b) throw new UsageError('--callers reports one side: no --vs');
  return { requests, strip, a, ...(b ? { b } : {}), ...(callers !== undefined ? { callers } : {}) };
}

/** A dump's costs by name: self costs, or the costs of calls to one function by caller. */
type DumpCosts = (file: string, map: PerfMap | undefined, options: Options) => Map<string, number>;

const selfOf: DumpCosts = (file, map, options) => {
  const text = readFileSync(file, 'utf8');
  const costs = selfCosts(text, map, options.strip);
  // Self costs add up to the dump's totals unless a line was misread: a check on the parser.
  const totals = dumpTotals(text);
  if (totals !== undefined && totalCost(costs) !== totals)
    process.stderr.write(`${file}: self costs sum to ${totalCost(costs)}, totals: ${totals}\n`);
  return costs;
};

const callersOf =
  (callee: string): DumpCosts =>
  (file, map, options) =>
    callerCosts(readFileSync(file, 'utf8'), callee, map, options.strip);

/** A side's costs per request by name, its dumps summed. */
function loadSide(side: Side, options: Options, costsOf: DumpCosts): Map<string, number> {
  const map: PerfMap | undefined = side.map
    ? parsePerfMap(readFileSync(side.map, 'utf8'))
    : undefined;
  const perDump = side.dumps.map((file) => costsOf(file, map, options));
  return perRequest(sumCosts(perDump), options.requests * side.dumps.length);
}

const round = (n: number) => String(Math.round(n));

/** Costs as table rows, largest first. */
function byCost(costs: Map<string, number>): TableRow[] {
  return [...costs]
    .sort(([na, x], [nb, y]) => y - x || na.localeCompare(nb))
    .map(([name, cost]) => ({ name, figures: [cost] }));
}

function reportCallers(callee: string, costs: Map<string, number>): string[] {
  return [
    `instructions per request in calls to "${callee}", by caller: ${round(totalCost(costs))}`,
    '',
    `${'calls'.padStart(7)}  caller`,
    ...renderTable(byCost(costs), TOP),
  ];
}

function diffRow(d: CostDiff): TableRow {
  return { name: d.name, figures: [d.difference, d.a, d.b] };
}

function reportOne(a: Map<string, number>): string[] {
  return [
    `self instructions per request: ${round(totalCost(a))}`,
    '',
    `${'self'.padStart(7)}  function`,
    ...renderTable(byCost(a), TOP),
  ];
}

function reportVs(a: Map<string, number>, b: Map<string, number>): string[] {
  const ta = totalCost(a);
  const tb = totalCost(b);
  const diffs = diffCosts(a, b);
  const header = `${'A − B'.padStart(7)} ${'A'.padStart(7)} ${'B'.padStart(7)}  function`;
  return [
    `self instructions per request: A ${round(ta)}, B ${round(tb)}, A − B ${round(ta - tb)} (${(((ta - tb) / tb) * 100).toFixed(1)} %)`,
    '',
    'largest increases of A against B',
    header,
    ...renderTable(diffs.filter((d) => d.difference > 0).map(diffRow), TOP),
    '',
    'largest decreases',
    header,
    ...renderTable(
      diffs
        .filter((d) => d.difference < 0)
        .reverse()
        .map(diffRow),
      TOP_DECREASES,
    ),
  ];
}

function main(args: readonly string[]): void {
  let options: Options;
  try {
    options = parseArguments(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`${e.message}\n${USAGE}\n`);
    process.exit(2);
  }
  let lines: string[];
  if (options.callers !== undefined) {
    const { callers } = options;
    lines = reportCallers(callers, loadSide(options.a, options, callersOf(callers)));
  } else {
    const a = loadSide(options.a, options, selfOf);
    lines = options.b ? reportVs(a, loadSide(options.b, options, selfOf)) : reportOne(a);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main(process.argv.slice(2));
