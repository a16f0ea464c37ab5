import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createKeyCache, type KeyCache } from '../keys/key-cache.js';
import type { GatewayStore } from '../store/gateway-store.js';
import type { TestBackend } from '../store/testing.js';
import { type AdminAppOptions, createAdminApp } from './admin-app.js';

export const TEST_ADMIN_TOKEN = 'test-operator-token-0123456789';

export interface TestResponse {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: test responses are asserted field by field
  json: any;
  text: string;
}

export interface RunningAdmin {
  url: string;
  store: GatewayStore;
  cache: KeyCache;
  /** fetch against the admin API with the operator token and JSON body set. */
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<TestResponse>;
  close(): Promise<void>;
}

/** Tests only: a store on a private schema, its key cache and the admin app on port 0. */
export async function startTestAdmin(
  backend: TestBackend,
  extra: Partial<AdminAppOptions> = {},
): Promise<RunningAdmin> {
  const store = await backend.open();
  const cache = createKeyCache(store, { refreshMs: 200 });
  await cache.start();
  const app = createAdminApp({ store, cache, adminToken: TEST_ADMIN_TOKEN, ...extra });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    store,
    cache,
    async call(method, path, body, headers = {}) {
      const response = await fetch(url + path, {
        method,
        headers: {
          authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body:
          body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: response.status, headers: response.headers, json, text };
    },
    async close() {
      cache.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    },
  };
}
