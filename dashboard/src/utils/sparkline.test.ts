import { describe, expect, it } from 'vitest';
import { sparklinePoints } from './sparkline.js';

describe('sparklinePoints', () => {
  it('spans the width and puts the maximum at the top, zero at the bottom', () => {
    expect(sparklinePoints([0, 5, 10], 100, 20, 0)).toBe('0,20 50,10 100,0');
  });

  it('draws a flat line for constant or empty-ish input without dividing by zero', () => {
    expect(sparklinePoints([0, 0], 10, 10, 0)).toBe('0,10 10,10');
    expect(sparklinePoints([], 10, 10)).toBe('');
    expect(sparklinePoints([Number.NaN, 4], 10, 10, 0)).toBe('0,10 10,0');
  });
});
