import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { IDENTITY_HEADER } from '@gatehouse/shared';
import { startApi } from './app.js';
import { loadConfig } from './config.js';
import { gatewayKeys, testConfig, validOrder } from '../test/harness.js';

describe('startApi and graceful shutdown', () => {
  it('migrates its own embedded database, finishes an in-flight request on close, and refuses new ones', async () => {
    const keys = await gatewayKeys();
    const api = await startApi(
      testConfig({
        identity: {
          publicKeyPem: keys.publicKeyPem,
          jwksUrl: 'http://127.0.0.1:9/x',
          devCustomer: undefined,
        },
        jobs: { pollMs: 50, leaseMs: 5000, enabled: true },
      }),
    );
    const body = Buffer.from(JSON.stringify(validOrder()));
    const received = new Promise<void>((resolve) => api.server.once('request', () => resolve()));
    let status = 0;
    let text = '';
    const finished = new Promise<void>((resolve, reject) => {
      const req = httpRequest(
        `${api.url}/v1/orders`,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': String(body.length),
            [IDENTITY_HEADER]: '',
          },
        },
        (res) => {
          status = res.statusCode ?? 0;
          res.on('data', (c: Buffer) => {
            text += c.toString();
          });
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      keys.sign('cus_shutdown').then((token) => {
        req.setHeader(IDENTITY_HEADER, token);
        // Half the body now: the request is in flight when close() begins.
        req.write(body.subarray(0, 10));
        received.then(async () => {
          const closing = api.close();
          // New connections are refused while the in-flight request is still open.
          await expect(fetch(`${api.url}/healthz`)).rejects.toThrow();
          req.end(body.subarray(10));
          await closing;
        }, reject);
      }, reject);
    });
    await finished;
    expect(status).toBe(201);
    expect(JSON.parse(text).customer_id).toBe('cus_shutdown');
    await api.close();
    // The pool it opened is closed.
    await expect(api.db.query('SELECT 1')).rejects.toThrow();
  });
});

describe('configuration', () => {
  it('has documented defaults and development mode off', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      databaseUrl: undefined,
      dbPoolSize: 10,
    });
    expect(c.pgliteDir).toBe('.data/api-db');
    expect(c.identity.devCustomer).toBeUndefined();
    expect(c.identity.jwksUrl).toBe('http://127.0.0.1:8444/.well-known/jwks.json');
    expect(c.callbacks.allowPrivate).toBe(false);
  });

  it('refuses a bad value with one line naming the variable', () => {
    expect(() => loadConfig({ API_PORT: 'eighty' })).toThrow(/^invalid configuration: API_PORT: /);
    expect(() => loadConfig({ GATEWAY_PUBLIC_KEY: '/no/such/key.pem' })).toThrow(
      /GATEWAY_PUBLIC_KEY/,
    );
  });
});
