import { describe, expect, it } from 'vitest';
import { rampedArrivals } from './arrival-schedule.js';

describe('rampedArrivals', () => {
  it('sends at the full rate after the ramp, one request every 1/rate', () => {
    const s = rampedArrivals(1000, 2000, 12_000);
    // 1,000 requests in the ramp (half the rate on average), then 10,000 in the 10 s after it.
    expect(s.total).toBe(11_000);
    expect(s.offsetMs(5000) - s.offsetMs(4999)).toBeCloseTo(1, 9);
    expect(s.offsetMs(s.total - 1)).toBeLessThan(12_000);
    expect(s.offsetMs(s.total - 1)).toBeGreaterThan(11_998);
  });

  it('raises the rate linearly during the ramp: a quarter of its requests in its first half', () => {
    const s = rampedArrivals(1000, 2000, 12_000);
    const dueBy = (ms: number) => {
      let n = 0;
      while (s.offsetMs(n) <= ms) n++;
      return n;
    };
    expect(dueBy(1000)).toBeCloseTo(250, -1);
    expect(dueBy(2000)).toBeCloseTo(1000, -1);
    // Intervals shrink through the ramp and never jump where it ends.
    expect(s.offsetMs(11) - s.offsetMs(10)).toBeGreaterThan(s.offsetMs(901) - s.offsetMs(900));
    expect(s.offsetMs(1000) - s.offsetMs(999)).toBeCloseTo(1, 1);
  });

  it('schedules in order, never two requests out of turn', () => {
    const s = rampedArrivals(2400, 1500, 13_000);
    for (let i = 1; i < s.total; i++) expect(s.offsetMs(i)).toBeGreaterThan(s.offsetMs(i - 1));
  });

  it('without a ramp is a plain fixed rate', () => {
    const s = rampedArrivals(500, 0, 4000);
    expect(s.total).toBe(2000);
    expect(s.offsetMs(0)).toBe(0);
    expect(s.offsetMs(10)).toBe(20);
  });

  it('refuses a rate or ramp that cannot be scheduled', () => {
    expect(() => rampedArrivals(0, 0, 1000)).toThrow(RangeError);
    expect(() => rampedArrivals(100, 2000, 1000)).toThrow(RangeError);
  });
});
