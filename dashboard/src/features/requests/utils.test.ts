import type { RequestEvent } from '@gatehouse/shared';
import { describe, expect, it } from 'vitest';
import { mergeNewest, parseRequestFilters } from './utils.js';

const ev = (id: string, ts: number): RequestEvent =>
  ({ request_id: id, ts_ms: ts }) as unknown as RequestEvent;

describe('request log utils', () => {
  it('puts polled events on top without duplicates and caps the list', () => {
    const shown = [ev('b', 2), ev('a', 1)];
    const polled = [ev('c', 3), ev('b', 2)];
    expect(mergeNewest(shown, polled, 10).map((e) => e.request_id)).toEqual(['c', 'b', 'a']);
    expect(mergeNewest(shown, polled, 2).map((e) => e.request_id)).toEqual(['c', 'b']);
  });

  it('reads only known, non-blank filters from the URL', () => {
    const p = new URLSearchParams('customer_id=cus_1&status=%20&route=/v1/orders&evil=1');
    expect(parseRequestFilters(p)).toEqual({ customer_id: 'cus_1', route: '/v1/orders' });
  });
});
