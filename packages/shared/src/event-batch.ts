import { isUtf8 } from 'node:buffer';
import type { REQUEST_EVENT_FIELDS, RequestEvent } from './request-event.js';

/**
 * The event batch: the binary body a gateway sends to the collector's `POST /v1/events`
 * (`Content-Type: application/vnd.gatehouse.event-batch`), one per batch of request events.
 *
 * Why not NDJSON: the gateway encodes every event on the core that serves requests. A JSON line
 * (~10 k instructions with its number formatting) plus the gzip that made it small enough to ship
 * (~10 k more) were two thirds of capture's cost per request. Written field by field into a
 * buffer, with the strings that repeat (customer, key, route, user agent, …) sent once per batch
 * and then referred to by number, an event takes ~100 bytes without any compression, about what
 * the gzipped line took, at a fraction of the CPU.
 *
 * Layout (all integers are unsigned LEB128 varints unless said otherwise; a varint may be padded,
 * e.g. 5 as `0x85 0x00`, and readers take it as any other):
 * - header: the bytes `GHEB`, then the version byte (1);
 * - then events, back to back until the body ends, each with its fields in `REQUEST_EVENT_FIELDS`
 *   order, each written by its kind in `EVENT_BATCH_FIELD_KINDS`:
 *   - `text`: the UTF-8 byte length, then the bytes;
 *   - `word`: a tag. An odd tag refers to the batch's dictionary entry `tag >> 1`; an even tag is
 *     a literal of `tag >> 1` UTF-8 bytes that follow, and becomes the dictionary's next entry
 *     while the dictionary holds fewer than `EVENT_BATCH_MAX_WORDS` (so a flood of distinct user
 *     agents costs the writer bounded memory: past the bound, words are literals only);
 *   - `time`: the difference to the previous event's `ts_ms` (0 before the first), zigzag-coded;
 *   - `uint`: the value (a safe integer);
 *   - `f64`: an IEEE 754 double, 8 bytes little-endian;
 *   - `flag`: the three boolean fields share one byte, bit 0 the first of them.
 * A field is never added in place: a new field would need a new version, which readers refuse
 * with a message that names it rather than misread.
 */
export const EVENT_BATCH_CONTENT_TYPE = 'application/vnd.gatehouse.event-batch';
export const EVENT_BATCH_VERSION = 1;
export const EVENT_BATCH_MAX_WORDS = 4096;

const MAGIC = [0x47, 0x48, 0x45, 0x42]; // 'GHEB'
const HEADER_BYTES = MAGIC.length + 1;

type FieldKind = 'text' | 'word' | 'time' | 'uint' | 'f64' | 'flag';

export const EVENT_BATCH_FIELD_KINDS = {
  request_id: 'text',
  trace_id: 'text',
  ts_ms: 'time',
  instance: 'word',
  customer_id: 'word',
  key_id: 'word',
  auth_method: 'word',
  method: 'word',
  route: 'word',
  path: 'text',
  status: 'uint',
  error_code: 'word',
  latency_ms: 'f64',
  upstream_latency_ms: 'f64',
  bytes_in: 'uint',
  bytes_out: 'uint',
  client_ip: 'word',
  user_agent: 'word',
  rate_limited: 'flag',
  idempotency_key: 'flag',
  idempotent_replayed: 'flag',
} as const satisfies Record<(typeof REQUEST_EVENT_FIELDS)[number], FieldKind>;

/** True when `body` starts like an event batch (any version): how a spool tells its bodies apart. */
export function isEventBatch(body: Uint8Array): boolean {
  return (
    body.length >= MAGIC.length &&
    body[0] === MAGIC[0] &&
    body[1] === MAGIC[1] &&
    body[2] === MAGIC[2] &&
    body[3] === MAGIC[3]
  );
}

/** Freshly allocated chunks hold at least this much; an event never straddles two chunks. */
const CHUNK_BYTES = 64 * 1024;
/** Upper bound of one event's bytes besides its strings' (varints, doubles, flags, tags). */
const FIXED_MAX_BYTES = 96;

/**
 * Builds one batch, event by event. `append` either writes the whole event or, for a value the
 * layout cannot carry (a `ts_ms` or count that is not a safe non-negative integer), throws
 * before writing anything, so the batch stays readable.
 */
export class EventBatchWriter {
  /** Events appended so far. */
  events = 0;
  private readonly done: Buffer[] = [];
  private buf: Buffer;
  private pos: number;
  private prevTs = 0;
  private readonly words = new Map<string, number>();

  constructor() {
    this.buf = Buffer.allocUnsafe(CHUNK_BYTES);
    for (let i = 0; i < MAGIC.length; i++) this.buf[i] = MAGIC[i]!;
    this.buf[MAGIC.length] = EVENT_BATCH_VERSION;
    this.pos = HEADER_BYTES;
  }

  append(e: RequestEvent): void {
    if (
      !isCount(e.ts_ms) ||
      !isCount(e.status) ||
      !isCount(e.bytes_in) ||
      !isCount(e.bytes_out) ||
      typeof e.latency_ms !== 'number' ||
      typeof e.upstream_latency_ms !== 'number'
    ) {
      throw new TypeError(
        'event batch: ts_ms, status and byte counts must be safe non-negative integers',
      );
    }
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const need =
      FIXED_MAX_BYTES +
      3 *
        (e.request_id.length +
          e.trace_id.length +
          e.instance.length +
          e.customer_id.length +
          e.key_id.length +
          e.auth_method.length +
          e.method.length +
          e.route.length +
          e.path.length +
          e.error_code.length +
          e.client_ip.length +
          e.user_agent.length);
    if (this.pos + need > this.buf.length) {
      this.done.push(this.buf.subarray(0, this.pos));
      this.buf = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, need));
      this.pos = 0;
    }
    this.text(e.request_id);
    this.text(e.trace_id);
    const d = e.ts_ms - this.prevTs;
    this.prevTs = e.ts_ms;
    this.uint(d >= 0 ? d * 2 : -d * 2 - 1);
    this.word(e.instance);
    this.word(e.customer_id);
    this.word(e.key_id);
    this.word(e.auth_method);
    this.word(e.method);
    this.word(e.route);
    this.text(e.path);
    this.uint(e.status);
    this.word(e.error_code);
    this.pos = this.buf.writeDoubleLE(e.latency_ms, this.pos);
    this.pos = this.buf.writeDoubleLE(e.upstream_latency_ms, this.pos);
    this.uint(e.bytes_in);
    this.uint(e.bytes_out);
    this.word(e.client_ip);
    this.word(e.user_agent);
    this.buf[this.pos++] =
      (e.rate_limited ? 1 : 0) | (e.idempotency_key ? 2 : 0) | (e.idempotent_replayed ? 4 : 0);
    this.events += 1;
  }

  /** The whole batch; the writer must not be used afterwards. */
  finish(): Buffer {
    this.done.push(this.buf.subarray(0, this.pos));
    return this.done.length === 1 ? this.done[0]! : Buffer.concat(this.done);
  }

  private uint(v: number): void {
    const b = this.buf;
    let p = this.pos;
    while (v >= 0x80) {
      b[p++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    b[p++] = v;
    this.pos = p;
  }

  private text(s: string): void {
    this.literal(s, 1);
  }

  private word(s: string): void {
    const ref = this.words.get(s);
    if (ref !== undefined) {
      this.uint(ref * 2 + 1);
      return;
    }
    if (this.words.size < EVENT_BATCH_MAX_WORDS) this.words.set(s, this.words.size);
    this.literal(s, 2);
  }

  /**
   * A string's UTF-8 bytes after their length times `scale` (2 for a word's literal tag), in one
   * native write. The length is written after the bytes, into room left for it: one byte, or two
   * (a padded varint, which readers take as any other) when the string might need more. Copying
   * characters in JavaScript instead cost ~8 k instructions an event: `randomUUID()` and the
   * query-redacted path are concatenated strings, which `charCodeAt` reads slowly.
   */
  private literal(s: string, scale: 1 | 2): void {
    const b = this.buf;
    const start = this.pos;
    const most = s.length * 3 * scale;
    if (most < 0x80) {
      const n = b.write(s, start + 1, 'utf8');
      b[start] = n * scale;
      this.pos = start + 1 + n;
    } else if (most < 0x4000) {
      const n = b.write(s, start + 2, 'utf8');
      const v = n * scale;
      b[start] = (v & 0x7f) | 0x80;
      b[start + 1] = v >> 7;
      this.pos = start + 2 + n;
    } else {
      const n = Buffer.byteLength(s, 'utf8');
      this.uint(n * scale);
      this.pos += b.write(s, this.pos, n, 'utf8');
    }
  }
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * A batch read back: each event as an object with the schema's keys in schema order, its values
 * of the layout's types but not yet judged (ranges, enums and lengths are the schema's job), or
 * why the body is not a readable batch. One unreadable byte makes the whole batch unreadable:
 * after it, nothing says where the next event starts.
 */
export type EventBatchReadResult =
  | { ok: true; events: Record<(typeof REQUEST_EVENT_FIELDS)[number], unknown>[] }
  | {
      ok: false;
      message: string;
      /** Set when only the version is unknown: a newer layout, not a corrupt body. */
      version?: number;
    };

class Unreadable extends Error {}

export function readEventBatch(body: Buffer): EventBatchReadResult {
  if (!isEventBatch(body)) {
    return { ok: false, message: 'not an event batch: the body does not start with "GHEB"' };
  }
  if (body.length < HEADER_BYTES) {
    return { ok: false, message: 'event batch unreadable: it ends before its version byte' };
  }
  const version = body[MAGIC.length]!;
  if (version !== EVENT_BATCH_VERSION) {
    return {
      ok: false,
      message: `event batch version ${version} is not supported (this collector reads version ${EVENT_BATCH_VERSION}); upgrade the collector`,
      version,
    };
  }
  const words: string[] = [];
  const events: Record<(typeof REQUEST_EVENT_FIELDS)[number], unknown>[] = [];
  let pos = HEADER_BYTES;
  let prevTs = 0;

  const uint = (): number => {
    let v = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (pos >= body.length) throw new Unreadable('it ends inside a number');
      const byte = body[pos++]!;
      v += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (v > Number.MAX_SAFE_INTEGER) throw new Unreadable('a number exceeds 2^53');
        return v;
      }
      scale *= 0x80;
    }
    throw new Unreadable('a number is longer than 8 bytes');
  };
  const bytes = (n: number): string => {
    if (pos + n > body.length) throw new Unreadable('it ends inside a string');
    const start = pos;
    pos += n;
    let ascii = true;
    for (let i = start; i < pos; i++) {
      if (body[i]! > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii) return body.toString('latin1', start, pos);
    const slice = body.subarray(start, pos);
    if (!isUtf8(slice)) throw new Unreadable('a string is not valid UTF-8');
    return slice.toString('utf8');
  };
  const text = (): string => bytes(uint());
  const word = (): string => {
    const tag = uint();
    const n = Math.floor(tag / 2);
    if (tag % 2 === 1) {
      const w = words[n];
      if (w === undefined) {
        throw new Unreadable(`it refers to word ${n} of a dictionary of ${words.length}`);
      }
      return w;
    }
    const s = bytes(n);
    if (words.length < EVENT_BATCH_MAX_WORDS) words.push(s);
    return s;
  };
  const f64 = (): number => {
    if (pos + 8 > body.length) throw new Unreadable('it ends inside a number');
    const v = body.readDoubleLE(pos);
    pos += 8;
    return v;
  };

  while (pos < body.length) {
    const start = pos;
    try {
      const request_id = text();
      const trace_id = text();
      const z = uint();
      const ts_ms = prevTs + (z % 2 === 0 ? z / 2 : -(z + 1) / 2);
      prevTs = ts_ms;
      const instance = word();
      const customer_id = word();
      const key_id = word();
      const auth_method = word();
      const method = word();
      const route = word();
      const path = text();
      const status = uint();
      const error_code = word();
      const latency_ms = f64();
      const upstream_latency_ms = f64();
      const bytes_in = uint();
      const bytes_out = uint();
      const client_ip = word();
      const user_agent = word();
      if (pos >= body.length) throw new Unreadable('it ends before its flags');
      const flags = body[pos++]!;
      if (flags > 7) throw new Unreadable(`its flags byte is ${flags}, above 7`);
      events.push({
        request_id,
        trace_id,
        ts_ms,
        instance,
        customer_id,
        key_id,
        auth_method,
        method,
        route,
        path,
        status,
        error_code,
        latency_ms,
        upstream_latency_ms,
        bytes_in,
        bytes_out,
        client_ip,
        user_agent,
        rate_limited: (flags & 1) !== 0,
        idempotency_key: (flags & 2) !== 0,
        idempotent_replayed: (flags & 4) !== 0,
      });
    } catch (err) {
      if (!(err instanceof Unreadable)) throw err;
      return {
        ok: false,
        message: `event batch unreadable at event ${events.length + 1} (byte ${start}): ${err.message}`,
      };
    }
  }
  return { ok: true, events };
}
