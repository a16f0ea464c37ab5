import { describe, expect, it } from 'vitest';
import { toColumns } from './series.js';

const point = (ts: number, requests: number, p95: number) => ({
  ts,
  requests,
  errors: 0,
  error_rate: 0,
  p50_ms: p95 / 2,
  p95_ms: p95,
  p99_ms: p95 * 2,
});

describe('toColumns', () => {
  it('orders buckets by time, derives req/s from the bucket size, and leaves gaps for empty buckets', () => {
    const cols = toColumns([point(2000, 0, 0), point(1000, 20, 40)], 10);
    expect(cols.timestamps).toEqual([1000, 2000]);
    expect(cols.rps).toEqual([2, 0]);
    expect(cols.p95).toEqual([40, null]);
    expect(cols.errorRatePct).toEqual([0, null]);
  });
});
