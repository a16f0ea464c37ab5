/**
 * fast-check arbitraries of the shared event schema, for the property tests of everything that
 * reads or writes events (the schema's validators, the positional line, the event batch).
 */
import fc from 'fast-check';
import { MAX_EVENT_TS_MS, type RequestEvent } from '../src/request-event.js';

/** Strings mixing ASCII with astral code points, so UTF-16 length and code points differ. */
export const text = (minLength: number, maxLength: number) =>
  fc
    .string({
      unit: fc.oneof(
        fc.constantFrom('a', 'é', '😀', '\u0301', '\ud800'),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
      ),
      minLength,
      maxLength,
    })
    .filter((s) => s.length >= minLength && s.length <= maxLength);

export const uint = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
export const nonNeg = fc.oneof(
  uint,
  fc.double({ min: 0, max: 1e9, noNaN: true, noDefaultInfinity: true }),
);

export const validEvent: fc.Arbitrary<RequestEvent> = fc
  .record({
    request_id: text(1, 128),
    trace_id: text(0, 32),
    ts_ms: fc.integer({ min: 0, max: MAX_EVENT_TS_MS }),
    instance: text(0, 200),
    customer_id: text(0, 128),
    key_id: text(0, 128),
    auth_method: fc.constantFrom('api_key', 'jwt', 'none'),
    method: text(1, 16),
    route: text(0, 512),
    path: text(0, 2048),
    status: fc.integer({ min: 100, max: 599 }),
    error_code: text(0, 64),
    latency_ms: nonNeg,
    upstream_latency_ms: nonNeg,
    bytes_in: uint,
    bytes_out: uint,
    client_ip: text(0, 64),
    user_agent: text(0, 512),
    rate_limited: fc.boolean(),
    idempotency_key: fc.boolean(),
    idempotent_replayed: fc.boolean(),
  })
  // fast-check may build null-prototype records; events arrive from JSON.parse as plain objects.
  .map((event) => ({ ...event }));
