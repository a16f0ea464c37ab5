import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  eventFromRow,
  eventRow,
  isValidRequestEvent,
  MAX_EVENT_TS_MS,
  REQUEST_EVENT_FIELDS,
  type RequestEvent,
  RequestEventSchema,
} from './request-event.js';
import { text, validEvent } from '../test/arbitraries.js';

const SEED = 20261125;
const RUNS = 2000;

const FIELDS = Object.keys(RequestEventSchema.shape) as (keyof RequestEvent)[];

/** Values near every boundary the schema draws, plus wrong types. */
const BOUNDARY_VALUES: unknown[] = [
  '',
  'x'.repeat(16),
  'x'.repeat(17),
  'x'.repeat(32),
  'x'.repeat(33),
  'x'.repeat(64),
  'x'.repeat(65),
  'x'.repeat(128),
  'x'.repeat(129),
  'x'.repeat(200),
  'x'.repeat(201),
  'x'.repeat(512),
  'x'.repeat(513),
  '😀'.repeat(17),
  '😀'.repeat(64),
  '😀'.repeat(65),
  'api_key',
  'jwt',
  'none',
  'API_KEY',
  -1,
  -0,
  0,
  0.5,
  99,
  100,
  599,
  600,
  200.5,
  MAX_EVENT_TS_MS,
  MAX_EVENT_TS_MS + 1,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 1,
  1e300,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  true,
  false,
  null,
  undefined,
  [],
  {},
  '200',
  1n,
];
const wrongish = fc.oneof(
  { arbitrary: fc.constantFrom(...BOUNDARY_VALUES), weight: 4 },
  fc.anything(),
  text(0, 40),
  fc.double(),
  fc.integer(),
);

/** One valid event bent in a handful of ways: fields replaced, dropped, or extra keys added. */
const mutatedEvent = fc
  .tuple(
    validEvent,
    fc.array(fc.tuple(fc.constantFrom(...FIELDS), wrongish), { maxLength: 3 }),
    fc.subarray(FIELDS, { maxLength: 2 }),
    fc.dictionary(
      fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'extra')),
      fc.anything(),
      {
        maxKeys: 2,
      },
    ),
    fc.nat(3),
  )
  .map(([event, replace, drop, extra, shape]) => {
    const out: Record<string, unknown> = { ...event };
    for (const [k, v] of replace) out[k] = v;
    for (const k of drop)
      if (shape === 0) out[k] = undefined;
      else delete out[k];
    if (shape === 1)
      for (const [k, v] of Object.entries(extra))
        Object.defineProperty(out, k, {
          value: v,
          enumerable: true,
          configurable: true,
          writable: true,
        });
    return out;
  });

/** What the fast path promises: only what zod accepts, and only when zod returns it unchanged. */
function agreesWithZod(x: unknown): void {
  if (!isValidRequestEvent(x)) return;
  const parsed = RequestEventSchema.safeParse(x);
  expect(parsed.success).toBe(true);
  expect(parsed.data).toStrictEqual(x);
}

describe('isValidRequestEvent', () => {
  it('accepts every event valid by construction, and zod returns it unchanged', () => {
    fc.assert(
      fc.property(validEvent, (event) => {
        expect(isValidRequestEvent(event)).toBe(true);
        agreesWithZod(event);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('never accepts a mutated event that zod refuses or would change', () => {
    fc.assert(fc.property(mutatedEvent, agreesWithZod), { seed: SEED, numRuns: RUNS });
  });

  it('never accepts arbitrary values zod refuses', () => {
    fc.assert(fc.property(fc.anything(), agreesWithZod), { seed: SEED, numRuns: RUNS });
  });

  it('agrees with zod on every boundary value in every field', () => {
    const events = fc.sample(validEvent, { seed: SEED, numRuns: 20 });
    let accepted = 0;
    for (const event of events) {
      for (const field of FIELDS) {
        for (const value of BOUNDARY_VALUES) {
          const x = { ...event, [field]: value };
          agreesWithZod(x);
          if (isValidRequestEvent(x)) accepted += 1;
        }
      }
    }
    // The loop must exercise the accepting side too, or it would prove nothing.
    expect(accepted).toBeGreaterThan(0);
  });

  it('the same event survives an NDJSON round trip', () => {
    fc.assert(
      fc.property(validEvent, (event) => {
        const back: unknown = JSON.parse(JSON.stringify(event));
        // JSON turns -0 into 0 and lone surrogates stay; either way zod and the fast path must agree.
        agreesWithZod(back);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('refuses unknown keys, non-plain objects and astral strings over the UTF-16 cap, leaving them to zod', () => {
    const event = fc.sample(validEvent, { seed: SEED, numRuns: 1 })[0]!;
    expect(isValidRequestEvent({ ...event, extra: 1 })).toBe(false);
    expect(RequestEventSchema.safeParse({ ...event, extra: 1 }).success).toBe(true);
    expect(isValidRequestEvent(Object.assign(Object.create(null), event))).toBe(false);
    expect(isValidRequestEvent([event])).toBe(false);
    const { status: _status, ...missing } = event;
    expect(isValidRequestEvent(missing)).toBe(false);
    expect(isValidRequestEvent({ ...event, status: 600 })).toBe(false);
    expect(isValidRequestEvent({ ...event, ts_ms: Number.MAX_SAFE_INTEGER + 1 })).toBe(false);
    expect(isValidRequestEvent({ ...event, ts_ms: MAX_EVENT_TS_MS + 1 })).toBe(false);
    expect(RequestEventSchema.safeParse({ ...event, ts_ms: MAX_EVENT_TS_MS + 1 }).success).toBe(
      false,
    );
    expect(isValidRequestEvent({ ...event, latency_ms: Number.POSITIVE_INFINITY })).toBe(false);
    expect(isValidRequestEvent({ ...event, method: '' })).toBe(false);
    expect(isValidRequestEvent({ ...event, method: 'x'.repeat(17) })).toBe(false);
    expect(isValidRequestEvent({ ...event, auth_method: 'basic' })).toBe(false);
    expect(isValidRequestEvent({ ...event, rate_limited: 'true' })).toBe(false);
    expect(isValidRequestEvent({ ...event, error_code: 'x'.repeat(64) })).toBe(true);
    // 20 astral code points are 40 UTF-16 units: zod (code points) accepts, the fast path defers.
    expect(isValidRequestEvent({ ...event, trace_id: '😀'.repeat(20) })).toBe(false);
  });
});

describe('the positional line (eventRow / eventFromRow)', () => {
  it("lists every field of the schema, in the schema's order", () => {
    expect([...REQUEST_EVENT_FIELDS]).toEqual(Object.keys(RequestEventSchema.shape));
  });

  it("puts each value at its field's position, and reads the same event back through JSON", () => {
    fc.assert(
      fc.property(validEvent, (event) => {
        const row = eventRow(event);
        expect(row).toEqual(REQUEST_EVENT_FIELDS.map((f) => event[f]));
        const back = eventFromRow(JSON.parse(JSON.stringify(row)) as unknown[]);
        expect(back).toStrictEqual(JSON.parse(JSON.stringify(event)));
        expect(isValidRequestEvent(back)).toBe(true);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('reads nothing from an array of any other length', () => {
    const row = eventRow(fc.sample(validEvent, { seed: SEED, numRuns: 1 })[0]!);
    expect(eventFromRow(row.slice(0, -1))).toBeUndefined();
    expect(eventFromRow([...row, 'extra'])).toBeUndefined();
    expect(eventFromRow([])).toBeUndefined();
  });
});
