/**
 * A batch's body as it is POSTed, and its format. Batches are built as event batches
 * (`EventBatchWriter` in `@gatehouse/shared`, sent uncompressed: writing one costs less than
 * compressing it would). Batches that go to the disk spool are gzipped first, since the spool is
 * bounded in bytes and is written only while the collector is down. Spools left by older gateways
 * hold gzip NDJSON, which is replayed as it is.
 */
import { promisify } from 'node:util';
import { constants, gunzip as gunzipCb, gunzipSync, gzip as gzipCb, gzipSync } from 'node:zlib';
import {
  EVENT_BATCH_CONTENT_TYPE,
  EventBatchWriter,
  type RequestEvent,
  readEventBatch,
} from '@gatehouse/shared';

const gzip = promisify(gzipCb);
const gunzip = promisify(gunzipCb);

export const BODY_FORMATS = ['gheb', 'gheb.gz', 'ndjson.gz'] as const;
export type BodyFormat = (typeof BODY_FORMATS)[number];

export interface BatchBody {
  bytes: Buffer;
  format: BodyFormat;
}

export function headersFor(format: BodyFormat): Record<string, string> {
  if (format === 'gheb') return { 'content-type': EVENT_BATCH_CONTENT_TYPE };
  if (format === 'gheb.gz')
    return { 'content-type': EVENT_BATCH_CONTENT_TYPE, 'content-encoding': 'gzip' };
  return { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' };
}

/**
 * The body as the spool keeps it: compressed on libuv's pool at the fastest level (the gateway's
 * core still does the work, during an outage at full traffic; level 1 takes ~75 bytes an event).
 */
export async function forDisk(body: BatchBody): Promise<BatchBody> {
  if (body.format !== 'gheb') return body;
  return { bytes: await gzip(body.bytes, { level: constants.Z_BEST_SPEED }), format: 'gheb.gz' };
}

/**
 * The body without the events at the given 1-based positions (a 422 `invalid_events` names them
 * so), in the same format; `all` is how many it held. Undefined when the body cannot be read back,
 * which only a corrupted spool file would cause.
 */
export async function withoutEvents(
  body: BatchBody,
  refused: ReadonlySet<number>,
): Promise<{ body: BatchBody; kept: number; all: number } | undefined> {
  if (body.format === 'ndjson.gz') {
    const lines = (await gunzip(body.bytes)).toString('utf8').split('\n');
    const all = lines.filter((l) => l.trim() !== '');
    const kept = lines.filter((l, i) => l.trim() !== '' && !refused.has(i + 1));
    const bytes = gzipSync(kept.length > 0 ? `${kept.join('\n')}\n` : '');
    return { body: { bytes, format: body.format }, kept: kept.length, all: all.length };
  }
  const raw = body.format === 'gheb.gz' ? await gunzip(body.bytes) : body.bytes;
  const read = readEventBatch(raw);
  if (!read.ok) return undefined;
  const writer = new EventBatchWriter();
  read.events.forEach((e, i) => {
    // Read back from a batch this gateway wrote, so every value has the type it was written with.
    if (!refused.has(i + 1)) writer.append(e as RequestEvent);
  });
  const out = writer.finish();
  return {
    body: { bytes: body.format === 'gheb.gz' ? await gzip(out) : out, format: body.format },
    kept: writer.events,
    all: read.events.length,
  };
}

/** How many events a body holds (0 if it cannot be read): for counting a batch refused whole. */
export function countEvents(body: BatchBody): number {
  if (body.format === 'ndjson.gz') {
    return gunzipSync(body.bytes)
      .toString('utf8')
      .split('\n')
      .filter((l) => l.trim() !== '').length;
  }
  const read = readEventBatch(body.format === 'gheb.gz' ? gunzipSync(body.bytes) : body.bytes);
  return read.ok ? read.events.length : 0;
}
