import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatchBody } from './batch-body.js';
import { openSpool } from './spool.js';

const body = (bytes: Buffer | string): BatchBody => ({
  bytes: Buffer.from(bytes),
  format: 'gheb.gz',
});

const dirs: string[] = [];
async function tmp(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), 'gh-spool-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('spool', () => {
  it('hands batches back oldest first, also after a reopen (process restart)', async () => {
    const dir = await tmp();
    const s = await openSpool(dir, 1_000_000);
    for (const n of [1, 2, 3]) await s.append(body(`batch-${n}`), n);
    const reopened = await openSpool(dir, 1_000_000);
    expect(reopened.size()).toEqual({ batches: 3, events: 6, bytes: 21 });
    const seen: string[] = [];
    for (let b = reopened.oldest(); b; b = reopened.oldest()) {
      seen.push((await reopened.read(b)).bytes.toString());
      await reopened.remove(b);
    }
    expect(seen).toEqual(['batch-1', 'batch-2', 'batch-3']);
    expect(await readdir(dir)).toEqual([]);
    // New batches continue after the highest sequence seen.
    await reopened.append(body('batch-4'), 4);
    expect((await reopened.read(reopened.oldest()!)).bytes.toString()).toBe('batch-4');
  });

  it('drops the oldest batches when over the byte bound and counts their events', async () => {
    const s = await openSpool(await tmp(), 25);
    await s.append(body(Buffer.alloc(10, 'a')), 5);
    await s.append(body(Buffer.alloc(10, 'b')), 7);
    await s.append(body(Buffer.alloc(10, 'c')), 9);
    expect(s.droppedEvents()).toBe(5);
    expect(s.size()).toEqual({ batches: 2, events: 16, bytes: 20 });
    expect((await s.read(s.oldest()!)).bytes.toString()).toBe('b'.repeat(10));
  });

  it('rewrites a batch in place, keeping its position', async () => {
    const s = await openSpool(await tmp(), 1000);
    await s.append(body('one two three'), 3);
    await s.append(body('later'), 1);
    const head = s.oldest()!;
    const smaller = await s.rewrite(head, body('one three'), 2);
    expect(s.oldest()).toBe(smaller);
    expect(s.size()).toEqual({ batches: 2, events: 3, bytes: 14 });
  });

  it("picks up an older gateway's gzip NDJSON files in order with the new ones, each with its format", async () => {
    const dir = await tmp();
    await writeFile(path.join(dir, '000000000001-2.ndjson.gz'), 'old');
    await writeFile(path.join(dir, 'notes.txt'), 'not a batch');
    const s = await openSpool(dir, 1_000_000);
    await s.append(body('new'), 3);
    expect(s.size()).toEqual({ batches: 2, events: 5, bytes: 6 });
    expect(await s.read(s.head(2)[0]!)).toEqual({ bytes: Buffer.from('old'), format: 'ndjson.gz' });
    expect(await s.read(s.head(2)[1]!)).toEqual({ bytes: Buffer.from('new'), format: 'gheb.gz' });
    expect((await readdir(dir)).sort()).toEqual([
      '000000000001-2.ndjson.gz',
      '000000000002-3.gheb.gz',
      'notes.txt',
    ]);
  });
});
