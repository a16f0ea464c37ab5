import type { RequestEvent } from '@gatehouse/shared';
import { describe, expect, it } from 'vitest';
import { slowestRequests, statusMix } from './utils.js';

describe('endpoint utils', () => {
  it('groups status codes into classes with shares', () => {
    const mix = statusMix([
      { status: 200, requests: 6 },
      { status: 201, requests: 2 },
      { status: 429, requests: 1 },
      { status: 503, requests: 1 },
    ]);
    expect(mix).toEqual([
      { label: '2xx', requests: 8, share: 0.8 },
      { label: '3xx', requests: 0, share: 0 },
      { label: '4xx', requests: 1, share: 0.1 },
      { label: '5xx', requests: 1, share: 0.1 },
    ]);
    expect(statusMix([]).every((r) => r.share === 0)).toBe(true);
  });

  it('picks the slowest requests first', () => {
    const ev = (id: string, latency: number) =>
      ({ request_id: id, latency_ms: latency, ts_ms: 0 }) as RequestEvent;
    expect(
      slowestRequests([ev('a', 5), ev('b', 50), ev('c', 20)], 2).map((e) => e.request_id),
    ).toEqual(['b', 'c']);
  });
});
