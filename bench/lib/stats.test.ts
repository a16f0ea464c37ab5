import { describe, expect, it } from 'vitest';
import {
  formatMs,
  formatRatio,
  formatRps,
  formatSpread,
  median,
  percentileSorted,
  ratio,
  spread,
  worstSlices,
} from './stats.js';

describe('median and spread', () => {
  it('takes the middle value of an odd count regardless of order', () => {
    expect(median([9, 1, 5])).toBe(5);
  });
  it('averages the two middle values of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
  it('refuses an empty list', () => {
    expect(() => median([])).toThrow(RangeError);
  });
  it('reports min, max and the number of rounds', () => {
    expect(spread([30_000, 26_000, 34_000])).toEqual({
      median: 30_000,
      min: 26_000,
      max: 34_000,
      n: 3,
    });
  });
});

describe('percentileSorted', () => {
  const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
  it('returns a value that was observed (nearest rank)', () => {
    expect(percentileSorted(sorted, 50)).toBe(50);
    expect(percentileSorted(sorted, 99)).toBe(99);
    expect(percentileSorted(sorted, 99.9)).toBe(100);
  });
  it('clamps at the ends', () => {
    expect(percentileSorted(sorted, 0)).toBe(1);
    expect(percentileSorted(sorted, 100)).toBe(100);
  });
});

describe('ratios and formatting', () => {
  it('has no ratio against a missing or zero reference', () => {
    expect(ratio(10, null)).toBeNull();
    expect(ratio(10, 0)).toBeNull();
    expect(ratio(null, 10)).toBeNull();
    expect(ratio(5, 10)).toBe(0.5);
  });
  it('formats ratios with two decimals and a times sign', () => {
    expect(formatRatio(0.734)).toBe('0.73×');
    expect(formatRatio(null)).toBe('n/a');
  });
  it('abbreviates thousands of requests and scales milliseconds', () => {
    expect(formatRps(31_234)).toBe('31.2k');
    expect(formatRps(812.4)).toBe('812');
    expect(formatMs(1.234)).toBe('1.23');
    expect(formatMs(12.34)).toBe('12.3');
    expect(formatMs(123.4)).toBe('123');
  });
  it('shows the range only when rounds differ', () => {
    expect(formatSpread(spread([1000, 2000, 3000]), formatRps)).toBe('2.0k (1.0k–3.0k)');
    expect(formatSpread(spread([5, 5]), formatMs)).toBe('5.00');
  });
});

describe('worstSlices', () => {
  it('lists the slowest slices by start time, with how late the loader sent them', () => {
    const slices = [3, 66.7, 2, 140, 5];
    const late = [0.1, 0.3, 0, 52, 0];
    expect(worstSlices(slices, 2, late)).toBe(
      '0.3 s: 140 ms (sent ≤ 52.0 ms late), 0.1 s: 66.7 ms (sent ≤ 0.30 ms late)',
    );
    // A loader from before the send times were recorded: the slices alone.
    expect(worstSlices(slices, 1)).toBe('0.3 s: 140 ms');
  });
});
