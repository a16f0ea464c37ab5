import { describe, expect, it } from 'vitest';
import { parseWindow, windowQuery, writeWindow } from './timeRange.js';

describe('time window in the URL', () => {
  it('reads a preset range', () => {
    expect(parseWindow(new URLSearchParams('range=7d'))).toEqual({ kind: 'preset', range: '7d' });
  });

  it('falls back to the last hour for missing or unknown ranges', () => {
    expect(parseWindow(new URLSearchParams(''))).toEqual({ kind: 'preset', range: '1h' });
    expect(parseWindow(new URLSearchParams('range=1y'))).toEqual({ kind: 'preset', range: '1h' });
  });

  it('prefers a valid custom from/to over a preset, and ignores a reversed one', () => {
    const p = new URLSearchParams('range=15m&from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z');
    expect(parseWindow(p)).toEqual({
      kind: 'custom',
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-01-02T00:00:00.000Z',
    });
    const reversed = new URLSearchParams(
      'range=15m&from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z',
    );
    expect(parseWindow(reversed)).toEqual({ kind: 'preset', range: '15m' });
  });

  it('writes the window without touching other filters, and round-trips', () => {
    const start = new URLSearchParams('customer_id=c1&from=x&to=y');
    const next = writeWindow(start, { kind: 'preset', range: '24h' });
    expect(next.toString()).toBe('customer_id=c1&range=24h');
    const custom = {
      kind: 'custom' as const,
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-01-01T06:00:00.000Z',
    };
    expect(parseWindow(writeWindow(next, custom))).toEqual(custom);
  });

  it('turns the window into the query API parameters', () => {
    expect(windowQuery({ kind: 'preset', range: '15m' })).toEqual({ range: '15m' });
    expect(windowQuery({ kind: 'custom', from: 'a', to: 'b' })).toEqual({ from: 'a', to: 'b' });
  });
});
