import { describe, expect, it } from 'vitest';
import {
  type BenchReport,
  type ConfigSpec,
  costFigure,
  deriveFigures,
  type FixedRateRow,
  mergeFixedRateRounds,
  pairedRatios,
  ratioFigure,
  renderDerivedTable,
  renderFixedRate,
  renderMarkdown,
  renderThroughputTable,
  type RoundSample,
  summarize,
} from './report.js';

const sample = (rps: number, p50Ms = 1, p99Ms = 3, non2xx = 0): RoundSample => ({
  rps,
  p50Ms,
  p99Ms,
  requests: rps * 5,
  non2xx,
  socketErrors: 0,
});

const specs: (ConfigSpec & { measured: boolean; reason?: string })[] = [
  { id: 'direct', label: 'direct', family: 'direct', protocol: 'http', measured: true },
  { id: 'nginx-http', label: 'nginx', family: 'nginx', protocol: 'http', measured: true },
  { id: 'nginx-https', label: 'nginx TLS', family: 'nginx', protocol: 'https', measured: true },
  { id: 'node-proxy-http', label: 'node', family: 'node-proxy', protocol: 'http', measured: true },
  {
    id: 'node-proxy-https',
    label: 'node TLS',
    family: 'node-proxy',
    protocol: 'https',
    measured: true,
  },
  { id: 'gw-full-https', label: 'full', family: 'gateway', protocol: 'https', measured: true },
  { id: 'gw-nopolicy-https', label: 'bare', family: 'gateway', protocol: 'https', measured: true },
  {
    id: 'gw-nocapture-https',
    label: 'no capture',
    family: 'gateway',
    protocol: 'https',
    measured: false,
    reason: 'capture cannot be switched off yet',
  },
];

const samples = new Map<string, RoundSample[]>([
  ['direct', [sample(30_000), sample(26_000), sample(34_000)]],
  ['nginx-http', [sample(32_000)]],
  ['nginx-https', [sample(20_000)]],
  ['node-proxy-http', [sample(8_000)]],
  ['node-proxy-https', [sample(5_000)]],
  ['gw-full-https', [sample(4_000, 2, 9, 3), sample(4_400), sample(3_600)]],
  ['gw-nopolicy-https', [sample(5_000)]],
]);

describe('summarize', () => {
  const configs = summarize(specs, samples);
  const byId = (id: string) => configs.find((c) => c.id === id)!;

  it('takes medians across rounds', () => {
    expect(byId('direct').rps).toEqual({ median: 30_000, min: 26_000, max: 34_000, n: 3 });
  });
  it('compares against the nginx and Node baselines of the same protocol', () => {
    const full = byId('gw-full-https');
    expect(full.ratios?.nginx).toBeCloseTo(4_000 / 20_000);
    expect(full.ratios?.nodeProxy).toBeCloseTo(4_000 / 5_000);
    expect(full.ratios?.direct).toBeCloseTo(4_000 / 30_000);
  });
  it('warns when responses were rejected', () => {
    expect(byId('gw-full-https').warnings).toEqual(['3 of 60000 responses not 2xx/3xx']);
  });
  it('keeps unmeasured configurations with their reason', () => {
    const c = byId('gw-nocapture-https');
    expect(c.measured).toBe(false);
    expect(c.reason).toBe('capture cannot be switched off yet');
  });
  it('computes the policy cost and leaves figures without data as n/a', () => {
    const d = deriveFigures(configs);
    const policies = d.find((x) => x.name.startsWith('policies cost'))!;
    expect(policies.value).toBe('20.0 %');
    expect(policies.met).toBe(false);
    const capture = d.find((x) => x.name.startsWith('capture cost'))!;
    expect(capture.value).toBe('n/a');
    expect(capture.met).toBeNull();
  });
});

describe('per-round pairing', () => {
  // The machine ran twice as fast in round 1 as in round 0: every configuration moved with it.
  const inRound = (round: number, rps: number): RoundSample => ({ ...sample(rps), round });
  const drifting = summarize(
    specs,
    new Map<string, RoundSample[]>([
      ['gw-full-https', [inRound(0, 4_500), inRound(1, 9_000), inRound(2, 4_600)]],
      // Round 2 of this one failed: it pairs with rounds 0 and 1 only.
      ['gw-nopolicy-https', [inRound(0, 5_000), inRound(1, 10_000)]],
      ['node-proxy-https', [inRound(0, 4_000), inRound(1, 8_500), inRound(2, 4_300)]],
    ]),
  );
  it('divides the two configurations within each round they both ran in', () => {
    expect(pairedRatios(drifting, 'gw-full-https', 'gw-nopolicy-https')).toEqual({
      median: 0.9,
      min: 0.9,
      max: 0.9,
      n: 2,
    });
    expect(pairedRatios(drifting, 'gw-full-https', 'gw-nocapture-https')).toBeNull();
  });
  it('reports costs and ratios from the pairs, with their range, not from the medians', () => {
    const d = deriveFigures(drifting);
    const policies = d.find((x) => x.name.startsWith('policies cost'))!;
    // Medians alone (4.6k vs 7.5k) would say 38.7 %: the drift, not the policies.
    expect(policies.value).toBe('10.0 % (10.0–10.0 %, 2 rounds)');
    expect(policies.met).toBe(true);
    const node = d.find((x) => x.name === 'full chain vs bare Node proxy (both HTTPS)')!;
    expect(node.value).toBe('1.07× (1.06–1.13×, 3 rounds)');
    expect(node.met).toBe(true);
  });
});

describe('renderThroughputTable', () => {
  it('renders one row per configuration, unmeasured ones marked', () => {
    const table = renderThroughputTable(summarize(specs, samples));
    const lines = table.split('\n');
    expect(lines).toHaveLength(2 + specs.length);
    expect(lines[2]).toBe(
      '| direct | 30.0k (26.0k–34.0k) | 1.00 | 3.00 | — | — | 1.00× | 0.94× | 3.75× |  |',
    );
    expect(lines.at(-1)).toBe(
      '| no capture | not measured | | | | | | | | capture cannot be switched off yet |',
    );
  });
  it('shows the median proxy CPU per request with its range when rounds measured it', () => {
    const withCpu = new Map([
      ['direct', [20, 30, 25].map((us) => ({ ...sample(30_000), cpuUsPerRequest: us }))],
    ]);
    const [row] = summarize([specs[0]!], withCpu);
    expect(row!.cpuUs).toEqual({ median: 25, min: 20, max: 30, n: 3 });
    expect(renderThroughputTable([row!]).split('\n')[2]).toContain('| 25.0 (20.0–30.0) |');
  });
  it('shows the worst round of other work and steal on the proxy core', () => {
    const disturbed = new Map([
      [
        'direct',
        [
          { ...sample(30_000), proxyCoreOtherPct: 0.5, proxyCoreStealPct: 0 },
          { ...sample(30_000), proxyCoreOtherPct: 12.25, proxyCoreStealPct: 3.5 },
          { ...sample(30_000), proxyCoreOtherPct: 1, proxyCoreStealPct: 0.2 },
        ],
      ],
    ]);
    const [row] = summarize([specs[0]!], disturbed);
    expect(row!.proxyCoreOtherPct?.max).toBe(12.25);
    expect(renderThroughputTable([row!]).split('\n')[2]).toContain('| 12.3 / 3.5 |');
  });
  it('escapes pipes inside labels', () => {
    const table = renderThroughputTable(
      summarize([{ ...specs[0]!, label: 'a | b' }], new Map([['direct', [sample(1)]]])),
    );
    expect(table).toContain('a \\| b');
  });
});

describe('renderMarkdown', () => {
  it('states date, conditions and every section', () => {
    const configs = summarize(specs, samples);
    const report: BenchReport = {
      date: '2026-11-25T15:00:00.000Z',
      conditions: 'quiet machine',
      host: { node: 'v20' },
      settings: { rounds: 3 },
      pinning: 'proxy on cpu 1',
      configs,
      derived: deriveFigures(configs),
      fixedRate: null,
      memory: [],
      notes: ['collector not running'],
    };
    const md = renderMarkdown(report);
    expect(md).toContain('# Gatehouse benchmark — 2026-11-25T15:00:00.000Z');
    expect(md).toContain('Conditions: quiet machine');
    expect(md).toContain('## Against the aims');
    expect(md).toContain('- collector not running');
  });
});

describe('renderFixedRate', () => {
  const base = {
    loader: 'fixed-rate.ts',
    durationS: 10,
    connections: 50,
    rate: 1200,
    addedP99Ms: 3.5,
  };

  it("shows each gateway row's full GCs, and a dash where none were counted", () => {
    const md = renderFixedRate({
      ...base,
      rows: [
        { id: 'direct', label: 'direct', measured: true, achievedRate: 1200, p50Ms: 1, p99Ms: 2 },
        {
          id: 'gw-full-https',
          label: 'full chain',
          measured: true,
          achievedRate: 1200,
          p50Ms: 2,
          p99Ms: 5.5,
          loopLagP99Ms: 1,
          loopLagMaxMs: 9,
          fullGcs: 4,
        },
      ],
    });
    const header = md.split('\n').find((l) => l.startsWith('| target'))!;
    const column = header
      .split('|')
      .map((c) => c.trim())
      .indexOf('full GCs');
    const cellOf = (label: string) =>
      md
        .split('\n')
        .find((l) => l.startsWith(`| ${label} |`))!
        .split('|')
        .map((c) => c.trim())[column];
    expect(column).toBeGreaterThan(0);
    expect(cellOf('full chain')).toBe('4');
    expect(cellOf('direct')).toBe('—');
    expect(md).toContain(
      '**Added p99 latency (full chain − direct, paired by round): 3.50 ms** (aim ≤ 2 ms) ✗',
    );
  });

  it("shows how busy each proxy's core was at the fixed rate, and a dash where unmeasured", () => {
    const md = renderFixedRate({
      ...base,
      rows: [
        { id: 'direct', label: 'direct', measured: true, achievedRate: 1200, p50Ms: 1, p99Ms: 2 },
        fullRow(5.5, { cpuUsPerRequest: 520, coreBusyPct: 62.4 }),
      ],
    });
    const cells = (startsWith: string) =>
      md
        .split('\n')
        .find((l) => l.startsWith(startsWith))!
        .split('|')
        .map((c) => c.trim());
    const column = cells('| target').indexOf('proxy core busy %');
    expect(column).toBeGreaterThan(0);
    expect(cells('| full chain |')[column]).toBe('62');
    expect(cells('| direct |')[column]).toBe('—');
    // Every row has as many cells as the header.
    expect(cells('| full chain |')).toHaveLength(cells('| target').length);
    expect(cells('| direct |')).toHaveLength(cells('| target').length);
  });

  it("shows a merged row's p99 as median (min–max) over rounds", () => {
    const merged = mergeFixedRateRounds([
      [{ id: 'direct', label: 'direct', measured: true, p99Ms: 2 }, fullRow(10)],
      [{ id: 'direct', label: 'direct', measured: true, p99Ms: 3 }, fullRow(4)],
      [{ id: 'direct', label: 'direct', measured: true, p99Ms: 1 }, fullRow(5)],
    ]);
    const md = renderFixedRate({ ...base, ...merged });
    expect(md).toContain('| full chain | 1.2k | 2.00 | 5.00 (4.00–10.0) |');
    expect(md).toContain(
      '**Added p99 latency (full chain − direct, paired by round): 4.00 (1.00–8.00) ms** (aim ≤ 2 ms) ✗',
    );
  });
});

function fullRow(p99Ms: number, extra: Partial<FixedRateRow> = {}): FixedRateRow {
  return {
    id: 'gw-full-https',
    label: 'full chain',
    measured: true,
    achievedRate: 1200,
    p50Ms: 2,
    p99Ms,
    sliceMaxMs: [p99Ms],
    sliceSendLateMs: [0.2],
    ...extra,
  };
}

describe('mergeFixedRateRounds', () => {
  it('takes the median of each figure over the rounds and pairs the added p99 within each round', () => {
    const merged = mergeFixedRateRounds([
      [
        { id: 'direct', label: 'direct', measured: true, p99Ms: 2 },
        fullRow(30, { loopLagMaxMs: 9, errors: 1, coreBusyPct: 80 }),
      ],
      [
        { id: 'direct', label: 'direct', measured: true, p99Ms: 20 },
        fullRow(21, { loopLagMaxMs: 3, coreBusyPct: 52 }),
      ],
      [
        { id: 'direct', label: 'direct', measured: true, p99Ms: 3 },
        fullRow(5, { loopLagMaxMs: 4, errors: 2, coreBusyPct: 61 }),
      ],
    ]);
    const full = merged.rows.find((r) => r.id === 'gw-full-https')!;
    expect(full.p99Ms).toBe(21);
    expect(full.coreBusyPct).toBe(61);
    expect(full.p99).toEqual({ median: 21, min: 5, max: 30, n: 3 });
    expect(full.loopLagMaxMs).toBe(4);
    expect(full.rounds).toBe(3);
    // Errors add up: every one of them is a failed request.
    expect(full.errors).toBe(3);
    // One round's timeline means nothing for a merged row.
    expect(full.sliceMaxMs).toBeUndefined();
    expect(full.sliceSendLateMs).toBeUndefined();
    // Differences by round are 28, 1 and 2: their median, not 21 − 3 of the medians.
    expect(merged.addedP99).toEqual({ median: 2, min: 1, max: 28, n: 3 });
    expect(merged.addedP99Ms).toBe(2);
  });

  it('keeps a target measured in no round as not measured, with its reason', () => {
    const merged = mergeFixedRateRounds([
      [
        { id: 'direct', label: 'direct', measured: true, p99Ms: 2 },
        { id: 'gw-full-https', label: 'full chain', measured: false, reason: 'crashed' },
      ],
    ]);
    expect(merged.rows[1]).toMatchObject({ measured: false, reason: 'crashed' });
    expect(merged.addedP99Ms).toBeNull();
    expect(merged.addedP99).toBeUndefined();
  });

  it('merges only the rounds in which a target was measured', () => {
    const merged = mergeFixedRateRounds([
      [fullRow(8)],
      [{ id: 'gw-full-https', label: 'full chain', measured: false, reason: 'timeout' }],
      [fullRow(6)],
    ]);
    expect(merged.rows[0]).toMatchObject({ measured: true, rounds: 2, p99Ms: 7 });
  });
});

describe('figures against an aim', () => {
  const s = (median: number, min: number, max: number, n = 8) => ({ median, min, max, n });

  it('says when the rounds fell on both sides of a ratio aim', () => {
    const crossing = ratioFigure('full chain vs Node proxy', s(1.23, 0.72, 1.52), 1);
    expect(crossing).toMatchObject({ met: true, unsettled: true });
    expect(renderDerivedTable([crossing])).toContain('✓ (rounds on both sides of the aim)');
    const clear = ratioFigure('full chain vs Node proxy', s(1.23, 1.01, 1.52), 1);
    expect(clear).toMatchObject({ met: true, unsettled: false });
    expect(renderDerivedTable([clear])).not.toContain('both sides');
  });

  it('reads a cost range from the ratios the other way round', () => {
    // Ratios 0.61–1.10 are costs of −10 % to 39 %: across a 15 % aim.
    expect(costFigure('policies', s(0.77, 0.61, 1.1), 0.15)).toMatchObject({
      met: false,
      unsettled: true,
    });
    // Ratios 0.9–0.99 are costs of 1–10 %: all under it.
    expect(costFigure('capture', s(0.95, 0.9, 0.99), 0.15)).toMatchObject({
      met: true,
      unsettled: false,
    });
  });

  it('does not call one round unsettled, nor a figure without an aim', () => {
    expect(ratioFigure('x', s(1, 1, 1, 1), 1).unsettled).toBe(false);
    expect(costFigure('TLS', s(0.7, 0.6, 0.9), null).unsettled).toBe(false);
  });
});
