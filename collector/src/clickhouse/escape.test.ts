import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { testClickHouseUrl } from '../testing.js';
import { createClickHouse } from './client.js';
import { databaseIdent, dateTime, ident, num, str, strList } from './escape.js';

const ch = createClickHouse({ url: testClickHouseUrl() });
afterAll(() => ch.close());

/** Characters that break naive quoting, mixed into arbitrary Unicode. */
const nasty = fc.constantFrom(
  "'",
  '\\',
  '\0',
  '\n',
  '\r',
  '\t',
  '"',
  '`',
  '?',
  '{x:String}',
  '\\x00',
  '\u007f',
  '\u2028',
  '😀',
  "\\'",
  "''",
);
const anyString = fc
  .array(fc.oneof(fc.string({ unit: 'binary' }), nasty), { maxLength: 12 })
  .map((parts) => parts.join(''));

describe('str', () => {
  it('round-trips any Unicode string through real ClickHouse (SELECT <escaped s> returns s)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyString, { minLength: 1, maxLength: 20 }), async (values) => {
        // One query per batch of samples keeps the run short without weakening the property.
        const sql = `SELECT [${values.map(str).join(', ')}] AS v`;
        const [row] = await ch.query<{ v: string[] }>(sql);
        expect(row?.v).toEqual(values);
      }),
      { numRuns: 150 },
    );
  });

  it('keeps a hostile value inside the literal', async () => {
    const s = "x' OR 1=1 --\\'; DROP TABLE t; \0";
    const rows = await ch.query<{ n: number }>(
      `SELECT count() AS n FROM system.one WHERE ${str(s)} = ${str(s)}`,
    );
    expect(rows).toEqual([{ n: 1 }]);
    expect(() => str('\ud800')).toThrow(TypeError);
  });
});

describe('num, dateTime, strList', () => {
  it('round-trips finite numbers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.integer({ min: -(2 ** 52), max: 2 ** 52 }),
            fc
              .double({ noNaN: true, noDefaultInfinity: true })
              .filter(
                (d) =>
                  (d === 0 || Math.abs(d) >= 2.2250738585072014e-308) &&
                  (!Number.isInteger(d) || Number.isSafeInteger(d)),
              ),
          ),
          { minLength: 1, maxLength: 20 },
        ),
        async (values) => {
          const [row] = await ch.query<{ v: number[] }>(
            `SELECT [${values.map((v) => `toFloat64(${num(v)})`).join(', ')}] AS v`,
          );
          expect(row?.v.map((x) => Number(x))).toEqual(
            values.map((v) => (Object.is(v, -0) ? 0 : v)),
          );
        },
      ),
      { numRuns: 50 },
    );
    expect(() => num(Number.NaN)).toThrow(TypeError);
    expect(() => num(2 ** 60)).toThrow(TypeError);
    expect(() => num(5e-324)).toThrow(TypeError);
  });

  it('renders instants as UTC DateTime', async () => {
    const [row] = await ch.query<{ t: string; u: number }>(
      `SELECT toString(${dateTime(1_700_000_000_999)}) AS t, toUInt32(${dateTime(1_700_000_000_999)}) AS u`,
    );
    expect(row).toEqual({ t: '2023-11-14 22:13:20', u: 1_700_000_000 });
    expect(strList(['a', "b'"])).toBe("('a', 'b\\'')");
  });
});

describe('ident', () => {
  it('accepts only allowlisted names', () => {
    expect(ident('route', ['route', 'method'])).toBe('`route`');
    expect(() => ident('route; DROP', ['route'])).toThrow(TypeError);
    expect(() => ident('status', ['route'])).toThrow(TypeError);
    expect(() => databaseIdent('gh`x')).toThrow(TypeError);
    expect(databaseIdent('gatehouse')).toBe('`gatehouse`');
  });
});
