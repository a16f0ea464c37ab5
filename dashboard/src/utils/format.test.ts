import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatCount,
  formatExact,
  formatMs,
  formatPercent,
  formatRps,
  statusClass,
} from './format.js';

describe('formatting', () => {
  it('shows configured limits with every digit, unlike traffic counts', () => {
    expect(formatCount(123_456)).toBe('123.5K');
    expect(formatExact(123_456)).toBe('123,456');
    expect(formatExact(null)).toBe('–');
  });

  it('never shows a tiny non-zero rate as zero', () => {
    expect(formatRps(0)).toBe('0');
    expect(formatRps(0.001)).toBe('<0.01');
    expect(formatPercent(0.0004)).toBe('<0.1%');
    expect(formatPercent(0.25)).toBe('25%');
  });

  it('formats latencies, counts and sizes for reading', () => {
    expect(formatMs(1.234)).toBe('1.23 ms');
    expect(formatMs(250.4)).toBe('250 ms');
    expect(formatMs(12_500)).toBe('12.5 s');
    expect(formatCount(1234)).toBe('1,234');
    expect(formatCount(25_000)).toBe('25K');
    expect(formatBytes(2048)).toBe('2.0 KB');
  });

  it('shows a dash for missing numbers', () => {
    expect(formatMs(undefined)).toBe('–');
    expect(formatCount(Number.NaN)).toBe('–');
  });

  it('classes statuses by hundred', () => {
    expect([200, 302, 429, 503].map(statusClass)).toEqual(['ok', 'redirect', 'client', 'server']);
  });
});
