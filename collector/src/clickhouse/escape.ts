/**
 * The one place where values from outside become SQL text. `@clickhouse/client`'s server-side
 * query parameters (`{x:Type}`) do not exist on ClickHouse 18.16, so every value is rendered as a
 * literal here; identifiers never come from input, only from allowlists.
 */

/** Escapes for a ClickHouse single-quoted string literal (same rules on 18.16 and current). */
const STRING_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '\0': '\\0',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** `s` as a string literal: `SELECT ${str(s)}` returns exactly `s`. */
export function str(s: string): string {
  if (typeof s !== 'string') throw new TypeError('str() expects a string');
  // Lone UTF-16 surrogates have no UTF-8 form; they would reach the server as U+FFFD anyway.
  if (LONE_SURROGATE.test(s)) throw new TypeError('str() expects well-formed Unicode');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we escape
  return `'${s.replace(/[\\'\u0000-\u001f\u007f]/g, (c) => STRING_ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}'`;
}

/** A finite number as a literal; integers outside the safe range are refused. */
export function num(n: number): string {
  if (typeof n !== 'number' || !Number.isFinite(n))
    throw new TypeError('num() expects a finite number');
  if (Number.isInteger(n)) {
    if (!Number.isSafeInteger(n)) throw new TypeError('num() expects a safe integer');
    return n < 0 ? `(${n})` : String(n);
  }
  // 18.16's parser rejects subnormal literals (e.g. 5e-324); nothing we store needs them.
  if (Math.abs(n) < 2.2250738585072014e-308) throw new TypeError('num() refuses subnormal numbers');
  return n < 0 ? `(${String(n)})` : String(n);
}

/** A non-negative integer literal (limits, epoch values). */
export function uint(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new TypeError('uint() expects a non-negative safe integer');
  return String(n);
}

/** A point in time as `toDateTime(<epoch seconds>, 'UTC')` (second precision, time-zone free). */
export function dateTime(ms: number): string {
  return `toDateTime(${uint(Math.floor(ms / 1000))}, 'UTC')`;
}

/** A list of strings for `IN (...)`; an empty list renders a never-matching `('')`-free form. */
export function strList(values: readonly string[]): string {
  if (values.length === 0) throw new TypeError('strList() expects at least one value');
  return `(${values.map(str).join(', ')})`;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * An identifier (database, table, column) chosen from `allowed`. Anything else throws: callers map
 * user choices (sort keys…) to identifiers through fixed tables, never by passing input through.
 */
export function ident<const T extends string>(name: string, allowed: readonly T[]): string {
  if (!(allowed as readonly string[]).includes(name) || !IDENTIFIER.test(name)) {
    throw new TypeError(`identifier not allowed: ${JSON.stringify(name)}`);
  }
  return `\`${name}\``;
}

/** The configured database name: validated once against a strict pattern, then quoted. */
export function databaseIdent(name: string): string {
  if (!IDENTIFIER.test(name)) throw new TypeError(`invalid database name: ${JSON.stringify(name)}`);
  return `\`${name}\``;
}

/** The configured ClickHouse cluster name (`ON CLUSTER`): same strict pattern, then quoted. */
export function clusterIdent(name: string): string {
  if (!IDENTIFIER.test(name)) throw new TypeError(`invalid cluster name: ${JSON.stringify(name)}`);
  return `\`${name}\``;
}
