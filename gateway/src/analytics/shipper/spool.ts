/**
 * A FIFO of batches on disk for when the collector (or ClickHouse behind it) is down. One file
 * per batch, `<seq>-<events>.<format>`, holding exactly the body that will be POSTed, written
 * to a temp name and renamed so a crash never leaves half a batch. Bounded by bytes: when full,
 * the oldest batches are deleted and their events counted as dropped. Files left by a previous
 * process are picked up in order, so a restart loses nothing either.
 */
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BODY_FORMATS, type BatchBody, type BodyFormat } from './batch-body.js';

export interface SpooledBatch {
  seq: number;
  events: number;
  bytes: number;
  file: string;
  format: BodyFormat;
}

export interface Spool {
  /** Appends a batch body; may evict the oldest batches to stay under the bound. */
  append(body: BatchBody, events: number): Promise<void>;
  oldest(): SpooledBatch | undefined;
  /** The `n` oldest batches, oldest first. */
  head(n: number): SpooledBatch[];
  read(batch: SpooledBatch): Promise<BatchBody>;
  /** Replaces a batch's content (after the collector refused some of its events). */
  rewrite(batch: SpooledBatch, body: BatchBody, events: number): Promise<SpooledBatch>;
  remove(batch: SpooledBatch): Promise<void>;
  size(): { batches: number; events: number; bytes: number };
  /** Events deleted because the spool was full. */
  droppedEvents(): number;
}

// Spools of gateways before the event batch hold `.ndjson.gz` files; they replay as they are.
const NAME = new RegExp(
  `^(\\d{12})-(\\d+)\\.(${BODY_FORMATS.map((f) => f.replace('.', '\\.')).join('|')})$`,
);

export async function openSpool(dir: string, maxBytes: number): Promise<Spool> {
  await mkdir(dir, { recursive: true });
  const batches: SpooledBatch[] = [];
  for (const name of await readdir(dir)) {
    const m = NAME.exec(name);
    if (!m) continue;
    const file = path.join(dir, name);
    batches.push({
      seq: Number(m[1]),
      events: Number(m[2]),
      bytes: (await stat(file)).size,
      file,
      format: m[3] as BodyFormat,
    });
  }
  batches.sort((a, b) => a.seq - b.seq);
  let nextSeq = (batches[batches.length - 1]?.seq ?? 0) + 1;
  let bytes = batches.reduce((s, b) => s + b.bytes, 0);
  let events = batches.reduce((s, b) => s + b.events, 0);
  let dropped = 0;

  const fileFor = (seq: number, n: number, format: BodyFormat) =>
    path.join(dir, `${String(seq).padStart(12, '0')}-${n}.${format}`);

  async function write(seq: number, body: BatchBody, n: number): Promise<SpooledBatch> {
    const file = fileFor(seq, n, body.format);
    const tmp = `${file}.tmp`;
    await writeFile(tmp, body.bytes);
    await rename(tmp, file);
    return { seq, events: n, bytes: body.bytes.length, file, format: body.format };
  }

  async function remove(batch: SpooledBatch): Promise<void> {
    const i = batches.indexOf(batch);
    if (i < 0) return;
    batches.splice(i, 1);
    bytes -= batch.bytes;
    events -= batch.events;
    await rm(batch.file, { force: true });
  }

  return {
    async append(body, n) {
      const batch = await write(nextSeq++, body, n);
      batches.push(batch);
      bytes += batch.bytes;
      events += batch.events;
      // Keep the newest data: evict from the head until under the bound (never the new batch).
      while (bytes > maxBytes && batches.length > 1) {
        const head = batches[0]!;
        dropped += head.events;
        await remove(head);
      }
    },
    oldest: () => batches[0],
    head: (n) => batches.slice(0, n),
    read: async (batch) => ({ bytes: await readFile(batch.file), format: batch.format }),
    async rewrite(batch, body, n) {
      const i = batches.indexOf(batch);
      const next = await write(batch.seq, body, n);
      if (next.file !== batch.file) await rm(batch.file, { force: true });
      if (i >= 0) batches[i] = next;
      bytes += next.bytes - batch.bytes;
      events += next.events - batch.events;
      return next;
    },
    remove,
    size: () => ({ batches: batches.length, events, bytes }),
    droppedEvents: () => dropped,
  };
}
