import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GzipBatch } from './gzip-batch.js';

describe('GzipBatch', () => {
  it('compresses every fed slice, in order, into one gzip body', async () => {
    const batch = new GzipBatch();
    const lines = Array.from({ length: 2_000 }, (_, i) => `{"n":${i},"s":"é東😀"}\n`);
    // Slices of varying size, as the shipper feeds them while events arrive.
    for (let i = 0; i < lines.length; i += 37) {
      batch.feed(Buffer.from(lines.slice(i, i + 37).join('')));
    }
    batch.feed(Buffer.alloc(0));
    const body = await batch.finish();
    expect(gunzipSync(body).toString('utf8')).toBe(lines.join(''));
    // finish() is idempotent: the same body, not a second stream end.
    expect(await batch.finish()).toBe(body);
  });

  it('refuses bytes after finish, which would be lost from the body', async () => {
    const batch = new GzipBatch();
    batch.feed(Buffer.from('{"a":1}\n'));
    await batch.finish();
    expect(() => batch.feed(Buffer.from('{"a":2}\n'))).toThrow(/after finish/);
  });

  it('an empty batch is a valid, empty gzip body', async () => {
    expect(gunzipSync(await new GzipBatch().finish()).length).toBe(0);
  });
});
