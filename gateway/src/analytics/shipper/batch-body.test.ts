import { gunzipSync, gzipSync } from 'node:zlib';
import { EventBatchWriter, eventRow, type RequestEvent, readEventBatch } from '@gatehouse/shared';
import { describe, expect, it } from 'vitest';
import { testEvent } from '../../testing/events.js';
import { type BatchBody, countEvents, forDisk, headersFor, withoutEvents } from './batch-body.js';

const event = (i: number): RequestEvent =>
  testEvent({
    request_id: `req_${i}`,
    ts_ms: 1_764_000_000_000 + i,
    customer_id: `cus_${i % 2}`,
    path: `/v1/orders?n=${i}`,
    latency_ms: i / 3,
    bytes_out: i,
    user_agent: 'ü-agent',
  });
const five = [1, 2, 3, 4, 5].map(event);

function batch(events: RequestEvent[]): Buffer {
  const w = new EventBatchWriter();
  for (const e of events) w.append(e);
  return w.finish();
}
const ndjson = (events: RequestEvent[]) =>
  gzipSync(events.map((e) => `${JSON.stringify(eventRow(e))}\n`).join(''));

const readBack = (body: BatchBody) =>
  readEventBatch(body.format === 'gheb.gz' ? gunzipSync(body.bytes) : body.bytes);

describe('batch bodies', () => {
  it('are gzipped for the spool, where only bytes count, and sent as they are otherwise', async () => {
    const body: BatchBody = { bytes: batch(five), format: 'gheb' };
    const disk = await forDisk(body);
    expect(disk.format).toBe('gheb.gz');
    expect(gunzipSync(disk.bytes)).toEqual(body.bytes);
    const old: BatchBody = { bytes: ndjson(five), format: 'ndjson.gz' };
    expect(await forDisk(old)).toBe(old);
  });

  it('say what they are in their headers', () => {
    expect(headersFor('gheb')).toEqual({
      'content-type': 'application/vnd.gatehouse.event-batch',
    });
    expect(headersFor('gheb.gz')).toEqual({
      'content-type': 'application/vnd.gatehouse.event-batch',
      'content-encoding': 'gzip',
    });
    expect(headersFor('ndjson.gz')).toEqual({
      'content-type': 'application/x-ndjson',
      'content-encoding': 'gzip',
    });
  });

  it('drop exactly the refused events by position, in every format, keeping the order', async () => {
    const refused = new Set([2, 5]);
    const kept = [five[0], five[2], five[3]];
    for (const format of ['gheb', 'gheb.gz'] as const) {
      const body =
        format === 'gheb'
          ? { bytes: batch(five), format }
          : await forDisk({ bytes: batch(five), format: 'gheb' });
      const rest = await withoutEvents(body, refused);
      expect(rest).toMatchObject({ kept: 3, all: 5, body: { format } });
      expect(readBack(rest!.body)).toEqual({ ok: true, events: kept });
      expect(countEvents(rest!.body)).toBe(3);
    }
    const rest = await withoutEvents({ bytes: ndjson(five), format: 'ndjson.gz' }, refused);
    expect(rest).toMatchObject({ kept: 3, all: 5 });
    expect(rest!.body.bytes.length).toBeGreaterThan(0);
    expect(gunzipSync(rest!.body.bytes).toString()).toBe(
      gunzipSync(ndjson(kept as RequestEvent[])).toString(),
    );
  });

  it('that cannot be read back give nothing to resend and count no events', async () => {
    const broken: BatchBody = { bytes: batch(five).subarray(0, 30), format: 'gheb' };
    expect(await withoutEvents(broken, new Set([1]))).toBeUndefined();
    expect(countEvents(broken)).toBe(0);
  });
});
