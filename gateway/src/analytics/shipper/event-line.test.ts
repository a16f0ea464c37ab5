import type { RequestEvent } from '@gatehouse/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventLine } from './event-line.js';

const event = (over: Partial<RequestEvent> = {}): RequestEvent => ({
  request_id: '0f8c3e52-6f0a-4d4e-9b53-1c2d3e4f5a6b',
  trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
  ts_ms: 1_764_115_200_123,
  instance: 'gw-1:4242',
  customer_id: 'cus_01HZX3K9V8Q2W7RT5M4N6B1C0D',
  key_id: 'key_01HZX3K9V8Q2W7RT5M4N6B1C0E',
  auth_method: 'api_key',
  method: 'GET',
  route: '/v1/orders/{id}',
  path: '/v1/orders/ord_1?expand=REDACTED',
  status: 200,
  error_code: '',
  latency_ms: 0.741,
  upstream_latency_ms: 0.512,
  bytes_in: 0,
  bytes_out: 242,
  client_ip: '127.0.0.1',
  user_agent: 'curl/8.5.0',
  rate_limited: false,
  idempotency_key: false,
  idempotent_replayed: false,
  ...over,
});

// Strings a client controls (path, user agent, request id) with everything JSON must escape.
const nasty = [
  '',
  'quote " inside',
  'back\\slash',
  'new\nline\r\ttab',
  'nul \u0000 and unit separator \u001f',
  'delete \u007f',
  'line separator \u2028 paragraph \u2029',
  'ünïcödé 注文 🚀',
  'lone high \ud800 surrogate',
  'lone low \udc00 surrogate',
  "' OR 1=1; DROP TABLE requests; --",
  '</script><script>alert(1)</script>',
];

describe('eventLine', () => {
  it('is exactly JSON.stringify of an event built in the schema order', () => {
    const e = event();
    expect(eventLine(e)).toBe(JSON.stringify(e));
  });

  it.each(nasty)('escapes %j as JSON does', (s) => {
    const e = event({ path: s, user_agent: s, request_id: s || 'x', error_code: s });
    expect(eventLine(e)).toBe(JSON.stringify(e));
    expect(JSON.parse(eventLine(e))).toEqual(e);
  });

  it('writes numbers as JSON does, non-finite ones as null', () => {
    for (const n of [0, -0, 1e-7, 0.1 + 0.2, 123_456.789, 2 ** 53, 1e21]) {
      const e = event({ latency_ms: n, upstream_latency_ms: n });
      expect(eventLine(e)).toBe(JSON.stringify(e));
    }
    const bad = event({ latency_ms: Number.NaN, upstream_latency_ms: Number.POSITIVE_INFINITY });
    expect(eventLine(bad)).toBe(JSON.stringify(bad));
  });

  it('writes one valid JSON line even for an event with missing or mistyped fields', () => {
    const partial = { request_id: 'bk_1', ts_ms: 5, status: '200', rate_limited: 1 };
    const parsed = JSON.parse(eventLine(partial as unknown as RequestEvent));
    expect(parsed).toMatchObject({ request_id: 'bk_1', ts_ms: 5, status: null, trace_id: null });
    expect(parsed.rate_limited).toBeNull();
    expect(eventLine(partial as unknown as RequestEvent)).not.toContain('\n');
  });

  it('matches JSON.stringify for any strings, numbers and flags', () => {
    const anyString = fc.string({ unit: 'binary', maxLength: 40 });
    fc.assert(
      fc.property(
        fc.record({
          request_id: anyString,
          trace_id: anyString,
          instance: anyString,
          customer_id: anyString,
          key_id: anyString,
          method: anyString,
          route: anyString,
          path: anyString,
          error_code: anyString,
          client_ip: anyString,
          user_agent: anyString,
          latency_ms: fc.double(),
          bytes_out: fc.nat(),
          rate_limited: fc.boolean(),
          idempotent_replayed: fc.boolean(),
        }),
        (over) => {
          const e = event(over as Partial<RequestEvent>);
          expect(eventLine(e)).toBe(JSON.stringify(e));
        },
      ),
      { numRuns: 500 },
    );
  });
});
