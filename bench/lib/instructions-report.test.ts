import { describe, expect, it } from 'vitest';
import {
  deriveInstructionFigures,
  formatInstructions,
  instructionRow,
  renderInstructions,
} from './instructions-report.js';

const row = (id: string, windows: number[]) => instructionRow({ id, label: id }, windows);

describe('instructionRow', () => {
  it('takes the median of the windows, so one compilation burst does not move it', () => {
    const r = row('gw-full-https', [310_000, 200_000, 198_000, 202_000, 199_000]);
    expect(r.perRequest?.median).toBe(200_000);
    expect(r.perRequest?.min).toBe(198_000);
    expect(r.perRequest?.max).toBe(310_000);
    expect(r.mean).toBeCloseTo(221_800, 6);
  });

  it('marks a configuration with no window as not measured', () => {
    expect(row('gw-full-https', [])).toMatchObject({ measured: false, reason: 'no window' });
  });
});

describe('deriveInstructionFigures', () => {
  const rows = [
    row('node-proxy-https', [260_000]),
    row('gw-nopolicy-https', [180_000]),
    row('gw-nocapture-https', [191_000]),
    row('gw-full-https', [200_000]),
  ];

  it('turns fewer instructions per request into a proportionally higher speed ratio', () => {
    const [vsNode] = deriveInstructionFigures(rows);
    expect(vsNode).toMatchObject({ value: '1.30×', met: true });
  });

  it('reports policies and capture as the share of the full chain they cost', () => {
    const [, policies, capture] = deriveInstructionFigures(rows);
    // 1 − 180k/200k and 1 − 191k/200k.
    expect(policies).toMatchObject({ value: '10.0 %', met: true });
    expect(capture).toMatchObject({ value: '4.5 %', met: true });
  });

  it('fails an aim the counts miss', () => {
    const costly = [...rows.slice(0, 3), row('gw-full-https', [230_000])];
    const [, policies, capture] = deriveInstructionFigures(costly);
    expect(policies).toMatchObject({ value: '21.7 %', met: false });
    expect(capture).toMatchObject({ value: '17.0 %', met: false });
  });

  it('compares each configuration with its A/B base when one was counted', () => {
    const figures = deriveInstructionFigures([...rows, row('gw-full-https@base', [250_000])]);
    expect(figures.at(-1)).toMatchObject({
      name: 'gw-full-https: this tree against the base',
      value: '-20.0 % (250.0 k → 200.0 k)',
      met: null,
    });
  });

  it('says n/a when a configuration could not be counted', () => {
    const [, , capture] = deriveInstructionFigures([
      row('gw-full-https', [200_000]),
      instructionRow({ id: 'gw-nocapture-https', label: 'x' }, []),
    ]);
    expect(capture).toMatchObject({ value: 'n/a', met: null });
  });
});

describe('renderInstructions', () => {
  it('prints each configuration with its windows and the figures', () => {
    const rows = [
      instructionRow({ id: 'gw-full-https', label: 'full chain' }, [200_000, 204_000], {
        idlePerSecond: 1_110_000,
        rateUnderValgrind: 350,
      }),
      {
        id: 'gw-nopolicy-https',
        label: 'no policy',
        measured: false,
        reason: 'valgrind not found',
        windows: [],
      },
    ];
    const md = renderInstructions({
      requestsPerWindow: 4000,
      warmupRequests: 8000,
      connections: 50,
      rows,
      derived: deriveInstructionFigures(rows),
    });
    expect(md).toContain(
      '| full chain | 202.0 k (200.0 k–204.0 k) | 202.0 k | 2 | 1.110 M | 350 |',
    );
    expect(md).toContain('| no policy | not measured | | | | valgrind not found |');
    expect(md).toContain('windows of exactly 4000 requests');
  });

  it('says how to run it when it was not run', () => {
    expect(renderInstructions(null)).toMatch(/BENCH_INSTRUCTIONS=1/);
  });
});

describe('formatInstructions', () => {
  it('keeps four significant figures', () => {
    expect(formatInstructions(1_234_567)).toBe('1.235 M');
    expect(formatInstructions(198_765)).toBe('198.8 k');
    expect(formatInstructions(512)).toBe('512');
  });
});
