import { Writable } from 'node:stream';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret, parseApiKey } from '../keys/api-key.js';
import { testBackends } from '../store/testing.js';
import { operatorAuth } from './http.js';
import { type RunningAdmin, startTestAdmin, TEST_ADMIN_TOKEN } from './testing.js';

describe.each(testBackends('admin_sec'))('admin API security on $name', (backend) => {
  let admin: RunningAdmin;
  const logLines: string[] = [];
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    admin = await startTestAdmin(backend, {
      logger: pino({ level: 'debug' }, sink),
      corsOrigins: ['http://dash.example:4000'],
      extraRoutes: (app) => {
        app.get('/metrics', (_req, res) => {
          res.type('text/plain').send('# metrics\n');
        });
        app.get('/private-extra', operatorAuth(TEST_ADMIN_TOKEN), (_req, res) => {
          res.json({ ok: true });
        });
      },
    });
  });
  afterAll(async () => {
    await admin?.close();
    await backend.cleanup();
  });

  async function customerWithKey() {
    const customer = (await admin.call('POST', '/v1/customers', { name: 'Sec' })).json;
    const key = (await admin.call('POST', `/v1/customers/${customer.id}/keys`, { name: 'k' })).json;
    return { customer, key };
  }

  it('stores only the hash: no table holds the secret or the full key', async () => {
    const { key } = await customerWithKey();
    const secret = parseApiKey(key.secret)!.secret;
    for (const table of ['api_keys', 'customers', 'plans', 'gateway_migrations']) {
      const { rows } = await admin.store.db.query(`SELECT * FROM ${table}`);
      const dump = JSON.stringify(rows);
      expect(dump).not.toContain(secret);
      expect(dump).not.toContain(key.secret);
    }
    const { rows } = await admin.store.db.query<{ hash: string }>(
      'SELECT hash FROM api_keys WHERE key_id = $1',
      [key.key_id],
    );
    expect(rows[0]?.hash).toBe(hashSecret(secret));
  });

  it('shows the secret once: never in lists, single reads or a later rotation of another key', async () => {
    const { customer, key } = await customerWithKey();
    const secret = parseApiKey(key.secret)!.secret;
    const reads = [
      await admin.call('GET', `/v1/customers/${customer.id}/keys`),
      await admin.call('GET', `/v1/keys/${key.key_id}`),
      await admin.call('GET', `/v1/customers/${customer.id}`),
    ];
    const rotated = await admin.call('POST', `/v1/keys/${key.key_id}/rotate`, {});
    reads.push(await admin.call('GET', `/v1/customers/${customer.id}/keys`));
    for (const res of reads) {
      expect(res.status).toBe(200);
      expect(res.text).not.toContain(secret);
      expect(res.text).not.toContain(parseApiKey(rotated.json.secret)!.secret);
      expect(res.text).not.toMatch(/"secret"|"hash"/);
    }
  });

  it('stores unicode names and SQL metacharacters literally', async () => {
    const names = [
      "Robert'); DROP TABLE customers;--",
      '名前のある会社 🚀',
      'Ünïcödé — “quotes” \\ backslash $1 %s',
      "' OR '1'='1",
    ];
    for (const name of names) {
      const created = await admin.call('POST', '/v1/customers', { name });
      expect(created.status).toBe(201);
      expect(created.json.name).toBe(name);
      const { rows } = await admin.store.db.query<{ name: string }>(
        'SELECT name FROM customers WHERE id = $1',
        [created.json.id],
      );
      expect(rows[0]?.name).toBe(name);
      const key = await admin.call('POST', `/v1/customers/${created.json.id}/keys`, { name });
      expect(key.json.name).toBe(name);
    }
    expect((await admin.call('GET', '/v1/customers')).status).toBe(200);
  });

  it('round-trips any valid Unicode name exactly, and refuses the unstorable ones', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }), async (name) => {
        const res = await admin.call('POST', '/v1/customers', { name });
        const expected = name.trim();
        if (expected === '' || /[\p{Cc}\p{Cs}]/u.test(expected)) {
          expect(res.status).toBe(422);
          expect(res.json.error.field).toBe('name');
          return;
        }
        expect(res.status).toBe(201);
        expect(res.json.name).toBe(expected);
        expect((await admin.call('GET', `/v1/customers/${res.json.id}`)).json.name).toBe(expected);
      }),
      { numRuns: 40 },
    );
    for (const name of ['nul\u0000byte', 'lone \ud800 surrogate', 'tab\there']) {
      const res = await admin.call('POST', '/v1/customers', { name });
      expect(res.status).toBe(422);
      expect(res.json.error.field).toBe('name');
    }
  });

  it('keeps key secrets and the operator token out of the logs', async () => {
    const { key } = await customerWithKey();
    await admin.call('POST', `/v1/keys/${key.key_id}/rotate`, {});
    await admin.call('GET', '/v1/customers?api_key=should-not-be-logged');
    const logs = logLines.join('');
    expect(logs).toContain('admin request');
    expect(logs).not.toContain(parseApiKey(key.secret)!.secret);
    expect(logs).not.toContain(TEST_ADMIN_TOKEN);
    expect(logs).not.toContain('should-not-be-logged');
  });

  it('keeps a well-formed client request id and replaces a malformed one', async () => {
    const kept = await admin.call('GET', '/v1/plans', undefined, { 'x-request-id': 'abc-123.x' });
    expect(kept.headers.get('x-request-id')).toBe('abc-123.x');
    const replaced = await admin.call('GET', '/v1/nothing', undefined, {
      'x-request-id': 'bad id\twith spaces',
    });
    expect(replaced.headers.get('x-request-id')).toMatch(/^req_/);
    expect(replaced.json.error.request_id).toBe(replaced.headers.get('x-request-id'));
  });

  it('answers CORS preflights for the dashboard origin only', async () => {
    const preflight = await fetch(`${admin.url}/v1/customers`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://dash.example:4000',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://dash.example:4000');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);

    const actual = await admin.call('GET', '/v1/plans', undefined, {
      origin: 'http://dash.example:4000',
    });
    expect(actual.headers.get('access-control-allow-origin')).toBe('http://dash.example:4000');

    const evil = await fetch(`${admin.url}/v1/customers`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const evilGet = await admin.call('GET', '/v1/plans', undefined, {
      origin: 'http://evil.example',
    });
    expect(evilGet.headers.get('access-control-allow-origin')).toBeNull();
    expect(evilGet.headers.get('vary')).toMatch(/Origin/);
  });

  it('mounts extra routes before auth, and they may protect themselves', async () => {
    const metrics = await fetch(`${admin.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toBe('# metrics\n');
    const unauthorised = await fetch(`${admin.url}/private-extra`);
    expect(unauthorised.status).toBe(401);
    const authorised = await admin.call('GET', '/private-extra');
    expect(authorised.json).toEqual({ ok: true });
  });

  it('refuses to build with a short operator token', () => {
    expect(() => operatorAuth('short')).toThrow(/at least 16/);
  });
});
