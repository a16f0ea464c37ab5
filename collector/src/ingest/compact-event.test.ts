import { isValidRequestEvent, MAX_EVENT_TS_MS, type RequestEvent } from '@gatehouse/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compactLineForClickHouse, readCompactEvent } from './compact-event.js';

const SEED = 20261125;
const RUNS = 2000;

/** Strings that sometimes need JSON escapes (quotes, backslashes, controls, lone surrogates). */
const text = (minLength: number, maxLength: number) =>
  fc
    .string({
      unit: fc.oneof(
        { arbitrary: fc.constantFrom('a', 'é', '😀', '/', ':', ',', '{'), weight: 8 },
        fc.constantFrom('"', '\\', '\n', '\u0000', '\ud800'),
      ),
      minLength,
      maxLength,
    })
    .filter((s) => s.length >= minLength && s.length <= maxLength);

const uint = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const nonNeg = fc.oneof(uint, fc.double({ min: 0, max: 1e30, noNaN: true }));

const validEvent: fc.Arbitrary<RequestEvent> = fc.record({
  request_id: text(1, 20),
  trace_id: text(0, 32),
  ts_ms: fc.integer({ min: 0, max: MAX_EVENT_TS_MS }),
  instance: text(0, 20),
  customer_id: text(0, 20),
  key_id: text(0, 20),
  auth_method: fc.constantFrom('api_key', 'jwt', 'none'),
  method: text(1, 16),
  route: text(0, 20),
  path: text(0, 20),
  status: fc.integer({ min: 100, max: 599 }),
  error_code: text(0, 20),
  latency_ms: nonNeg,
  upstream_latency_ms: nonNeg,
  bytes_in: uint,
  bytes_out: uint,
  client_ip: text(0, 20),
  user_agent: text(0, 20),
  rate_limited: fc.boolean(),
  idempotency_key: fc.boolean(),
  idempotent_replayed: fc.boolean(),
});

/** A gateway line bent at a few places with characters that matter to JSON. */
const bentLine = fc
  .tuple(
    validEvent,
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.nat(2),
        fc.constantFrom(' ', '"', '\\', ',', ':', '.0', 'e2', '-', '0', '}', '\u0001', '\\u0041'),
      ),
      { minLength: 1, maxLength: 3 },
    ),
  )
  .map(([event, edits]) => {
    let line = JSON.stringify(event);
    for (const [at, how, s] of edits) {
      const i = at % (line.length + 1);
      if (how === 0) line = line.slice(0, i) + s + line.slice(i);
      else if (how === 1) line = line.slice(0, i) + line.slice(i + 1);
      else line = line.slice(0, i) + s + line.slice(i + s.length);
    }
    return line;
  });

/** What the fast path promises: it reads a line exactly as JSON.parse + the validator would. */
function agreesWithJsonParse(line: string): void {
  const fast = readCompactEvent(line);
  if (fast === undefined) return;
  const parsed: unknown = JSON.parse(line);
  expect(isValidRequestEvent(parsed)).toBe(true);
  expect(fast).toStrictEqual(parsed);
}

describe('readCompactEvent', () => {
  it('reads every valid gateway line without escapes, exactly as JSON.parse does', () => {
    fc.assert(
      fc.property(validEvent, (event) => {
        const line = JSON.stringify(event);
        agreesWithJsonParse(line);
        if (!line.includes('\\')) expect(readCompactEvent(line)).toBeDefined();
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('never reads a bent line differently from JSON.parse', () => {
    fc.assert(fc.property(bentLine, agreesWithJsonParse), { seed: SEED, numRuns: RUNS * 5 });
  });

  it('leaves to the general path the spellings ClickHouse 18.16 reads differently', () => {
    const line = JSON.stringify({
      request_id: 'r1',
      trace_id: '',
      ts_ms: 1_700_000_000_000,
      instance: 'gw:1',
      customer_id: 'cus_a',
      key_id: 'key_a',
      auth_method: 'api_key',
      method: 'GET',
      route: '/v1/orders',
      path: '/v1/orders',
      status: 200,
      error_code: '',
      latency_ms: 1.5,
      upstream_latency_ms: 1,
      bytes_in: 10,
      bytes_out: 20,
      client_ip: '127.0.0.1',
      user_agent: 'ua',
      rate_limited: false,
      idempotency_key: false,
      idempotent_replayed: false,
    } satisfies RequestEvent);
    expect(readCompactEvent(line)).toBeDefined();
    expect(compactLineForClickHouse(readCompactEvent(line)!, line)).toBe(
      `{"ts":1700000000,${line.slice(1)}`,
    );
    for (const bent of [
      line.replace('"status":200', '"status":200.0'),
      line.replace('"status":200', '"status":2e2'),
      line.replace('"bytes_in":10', '"bytes_in":-0'),
      line.replace('"trace_id":""', '"trace_id":"\\ud800"'),
      line.replace('{', '{"request_id":"r0",'),
      line.replace('"method":"GET"', '"method" : "GET"'),
      line.replace('"route":"/v1/orders"', '"route":"\\/v1/orders"'),
    ]) {
      expect(JSON.parse(bent)).toBeTruthy();
      expect(readCompactEvent(bent)).toBeUndefined();
    }
  });
});
