import { request as httpRequest } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { IDENTITY_HEADER } from '@gatehouse/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi, testDatabases, validOrder } from '../../test/harness.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const ROWS = 100_000;
const MiB = 1024 * 1024;

describe.each(testDatabases())('GET /v1/export/orders on $name', (kind) => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi(kind, { customer: 'cus_export' });
  });
  afterAll(() => t?.close());

  it("streams the caller's orders as NDJSON with the list's filters", async () => {
    const a = await t.request('POST', '/v1/orders', { body: validOrder(), as: 'cus_small' });
    const b = await t.request('POST', '/v1/orders', { body: validOrder(), as: 'cus_small' });
    await t.request('PATCH', `/v1/orders/${b.body.id}`, {
      body: { status: 'paid' },
      as: 'cus_small',
    });
    await t.request('POST', '/v1/orders', { body: validOrder(), as: 'cus_not_small' });
    const res = await t.request('GET', '/v1/export/orders', { as: 'cus_small' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.text.endsWith('\n')).toBe(true);
    const lines = res.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((o) => o.id).sort()).toEqual([a.body.id, b.body.id].sort());
    const paid = await t.request('GET', '/v1/export/orders?status=paid', { as: 'cus_small' });
    expect(
      paid.text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).id),
    ).toEqual([b.body.id]);
    expect(
      (await t.request('GET', '/v1/export/orders?status=nope', { as: 'cus_small' })).status,
    ).toBe(422);
  });

  it(`exports ${ROWS} rows with heap growth bounded well below the payload size`, async () => {
    // ~1 KB of notes per row: the whole export is >100 MiB, so buffering it would show.
    await t.db.query(
      `INSERT INTO orders (id, customer_id, items, currency, notes, status, total_cents, created_at, updated_at, version)
       SELECT 'ord_bulk_' || lpad(i::text, 7, '0'), 'cus_export',
              '[{"sku":"S","quantity":1,"unit_price_cents":100}]'::jsonb, 'EUR',
              repeat(md5(i::text), 32), 'pending', 100,
              timestamptz '2026-01-01T00:00:00Z' + i * interval '1 second',
              timestamptz '2026-01-01T00:00:00Z' + i * interval '1 second', 1
       FROM generate_series(1, $1::int) AS i`,
      [ROWS],
    );
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let peak = 0;
    let lines = 0;
    let bytes = 0;
    let firstLine = '';
    let tail = '';
    const token = await t.keys.sign('cus_export');
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(
        `${t.url}/v1/export/orders`,
        { headers: { [IDENTITY_HEADER]: token } },
        (res) => {
          expect(res.statusCode).toBe(200);
          let sinceSample = 0;
          res.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            sinceSample += chunk.length;
            if (!firstLine) firstLine = chunk.toString('utf8').split('\n')[0]!;
            for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
            tail = (tail + chunk.toString('utf8')).slice(-2000);
            if (sinceSample > 8 * MiB) {
              sinceSample = 0;
              gc();
              peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
            }
          });
          res.on('end', resolve);
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(lines).toBe(ROWS);
    expect(bytes).toBeGreaterThan(100 * MiB);
    expect(JSON.parse(firstLine).id).toBe('ord_bulk_0000001');
    const last = tail.trimEnd().split('\n').pop()!;
    expect(JSON.parse(last).id).toBe(`ord_bulk_${String(ROWS).padStart(7, '0')}`);
    // Bounded: a few batches in flight, not the export (>100 MiB).
    expect(peak).toBeLessThan(32 * MiB);
  }, 180_000);

  it('stops reading and frees the cursor when the client goes away mid-export', async () => {
    const token = await t.keys.sign('cus_export');
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(
        `${t.url}/v1/export/orders`,
        { headers: { [IDENTITY_HEADER]: token } },
        (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        },
      );
      req.on('error', () => {});
      req.on('close', resolve);
      req.once('error', reject);
      req.end();
    });
    // On PGlite the cursor holds the only connection: this answers only if it was released.
    const after = await t.request('GET', '/v1/orders?limit=1', { as: 'cus_export' });
    expect(after.status).toBe(200);
    expect(after.body.items).toHaveLength(1);
  });
});
