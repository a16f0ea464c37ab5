import { randomFillSync } from 'node:crypto';
import type { Policy } from '../chain.js';
import { type RequestIdOptions, RequestIdOptionsSchema } from './schema.js';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

// Request, trace and span ids for every request: drawn from a pooled buffer refilled 4 KiB at
// a time, because a `randomBytes` call per id showed up in the data plane's CPU profile.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;
/** Where `bytes` fresh random bytes start in `pool`. */
function draw(bytes: number): number {
  if (poolOffset + bytes > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  poolOffset += bytes;
  return poolOffset - bytes;
}

function randomHex(bytes: number): string {
  const at = draw(bytes);
  return pool.toString('hex', at, at + bytes);
}

const HEX = Buffer.from('0123456789abcdef', 'latin1');
// The UUID's text is written here, its dashes in place, then read out as one flat string.
const uuidText = Buffer.alloc(36, '-', 'latin1');
/** Where each of the 16 bytes' two hex digits go in `uuidText`. */
const UUID_DIGITS = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

/**
 * A version-4 UUID (RFC 9562 §5.4) from the pool, as one flat string: `crypto.randomUUID()`
 * builds it from 16 one-byte lookups and 20 concatenations (~1.8 k instructions), and slicing
 * one hex string and joining the parts left a dozen short-lived strings a request (~200 bytes,
 * by the bench's allocation profile) that later header checks and writes flattened again.
 */
export function pooledUuid(): string {
  const at = draw(16);
  pool[at + 6] = (pool[at + 6]! & 0x0f) | 0x40; // version 4
  pool[at + 8] = (pool[at + 8]! & 0x3f) | 0x80; // variant 10
  for (let i = 0; i < 16; i++) {
    const byte = pool[at + i]!;
    const p = UUID_DIGITS[i]!;
    uuidText[p] = HEX[byte >> 4]!;
    uuidText[p + 1] = HEX[byte & 0x0f]!;
  }
  return uuidText.toString('latin1', 0, 36);
}

/** Parses a W3C traceparent (version 00); undefined for anything invalid. */
export function parseTraceparent(
  value: string | undefined,
): { traceId: string; parentId: string; flags: string } | undefined {
  if (!value) return undefined;
  const m = TRACEPARENT.exec(value.trim());
  if (!m || m[1] === ZERO_TRACE || m[2] === ZERO_SPAN) return undefined;
  return { traceId: m[1]!, parentId: m[2]!, flags: m[3]! };
}

/**
 * Gives every request an id (a well-formed client `X-Request-Id` is kept so callers can
 * correlate; anything else is replaced, never echoed: it would be a header-injection and
 * log-forging vector) and a W3C trace context: the client's trace id is continued with a new
 * span id for the gateway hop, or a new trace starts.
 */
export function requestId(options: RequestIdOptions = {}): Policy {
  const opts = RequestIdOptionsSchema.parse(options);
  const valid = new RegExp(`^[A-Za-z0-9._:-]{1,${opts.maxLength}}$`);
  return function requestIdPolicy(ctx) {
    const sent = ctx.headers[opts.header];
    ctx.requestId = typeof sent === 'string' && valid.test(sent) ? sent : pooledUuid();
    ctx.responseHeaders[opts.header] = ctx.requestId;
    const parent = parseTraceparent(ctx.headers.traceparent as string | undefined);
    if (parent) {
      ctx.traceId = parent.traceId;
      ctx.traceFlags = parent.flags;
      ctx.spanId = randomHex(8);
    } else {
      // One draw for both ids: each `toString('hex')` is a call into C++.
      const ids = randomHex(24);
      ctx.traceId = ids.slice(0, 32);
      ctx.traceFlags = '01';
      ctx.spanId = ids.slice(32);
    }
    return undefined;
  };
}

/** The traceparent the gateway sends upstream: same trace, the gateway's span as parent. */
export function outgoingTraceparent(traceId: string, spanId: string, flags: string): string {
  return `00-${traceId}-${spanId}-${flags}`;
}
