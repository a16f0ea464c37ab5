import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSpool } from './spool.js';

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
    for (const n of [1, 2, 3]) await s.append(Buffer.from(`batch-${n}`), n);
    const reopened = await openSpool(dir, 1_000_000);
    expect(reopened.size()).toEqual({ batches: 3, events: 6, bytes: 21 });
    const seen: string[] = [];
    for (let b = reopened.oldest(); b; b = reopened.oldest()) {
      seen.push((await reopened.read(b)).toString());
      await reopened.remove(b);
    }
    expect(seen).toEqual(['batch-1', 'batch-2', 'batch-3']);
    expect(await readdir(dir)).toEqual([]);
    // New batches continue after the highest sequence seen.
    await reopened.append(Buffer.from('batch-4'), 4);
    expect((await reopened.read(reopened.oldest()!)).toString()).toBe('batch-4');
  });

  it('drops the oldest batches when over the byte bound and counts their events', async () => {
    const s = await openSpool(await tmp(), 25);
    await s.append(Buffer.alloc(10, 'a'), 5);
    await s.append(Buffer.alloc(10, 'b'), 7);
    await s.append(Buffer.alloc(10, 'c'), 9);
    expect(s.droppedEvents()).toBe(5);
    expect(s.size()).toEqual({ batches: 2, events: 16, bytes: 20 });
    expect((await s.read(s.oldest()!)).toString()).toBe('b'.repeat(10));
  });

  it('rewrites a batch in place, keeping its position', async () => {
    const s = await openSpool(await tmp(), 1000);
    await s.append(Buffer.from('one two three'), 3);
    await s.append(Buffer.from('later'), 1);
    const head = s.oldest()!;
    const smaller = await s.rewrite(head, Buffer.from('one three'), 2);
    expect(s.oldest()).toBe(smaller);
    expect(s.size()).toEqual({ batches: 2, events: 3, bytes: 14 });
  });
});
