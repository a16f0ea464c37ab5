/**
 * Test harness for the api's integration tests: starts the real app on port 0 against a
 * fresh database (PGlite or PostgreSQL, see `testDatabases()`), signs identity tokens with a
 * key pair generated per run (as the gateway would), and gives a client whose every
 * response is checked against the OpenAPI document.
 */
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { expect } from 'vitest';
import { IDENTITY_AUDIENCE, IDENTITY_HEADER, IDENTITY_ISSUER } from '@gatehouse/shared';
import { type RunningApi, startApi } from '../src/app.js';
import type { Logger } from '../src/logger.js';
import type { Config } from '../src/config.js';
import type { Database } from '../src/db/database.js';
import type { TestDatabaseKind } from '../src/db/test-databases.js';
import { createConformanceChecker } from '../src/openapi/conformance.js';
import { openApiDocument } from '../src/openapi/document.js';

export { testDatabases } from '../src/db/test-databases.js';

export type GatewayKeys = Awaited<ReturnType<typeof gatewayKeys>>;

export async function gatewayKeys() {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { extractable: true });
  const publicKeyPem = await exportSPKI(publicKey);
  return {
    publicKeyPem,
    privateKey,
    sign(customerId: string, overrides: { iss?: string; aud?: string; expSeconds?: number } = {}) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ key_id: 'key_test', scope: '' })
        .setProtectedHeader({ alg: 'EdDSA' })
        .setIssuer(overrides.iss ?? IDENTITY_ISSUER)
        .setAudience(overrides.aud ?? IDENTITY_AUDIENCE)
        .setSubject(customerId)
        .setIssuedAt(now)
        .setExpirationTime(now + (overrides.expSeconds ?? 60))
        .sign(privateKey);
    },
  };
}

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    host: '127.0.0.1',
    port: 0,
    databaseUrl: undefined,
    pgliteDir: undefined,
    dbPoolSize: 5,
    dbStatementTimeoutMs: 5000,
    identity: {
      publicKeyPem: undefined,
      jwksUrl: 'http://127.0.0.1:9/unused',
      devCustomer: undefined,
    },
    callbacks: { allowPrivate: true, signingSecret: 'test-secret' },
    jobs: { pollMs: 50, leaseMs: 5000, enabled: false },
    logLevel: 'silent',
    ...overrides,
  };
}

export interface TestResponse {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies
  body: any;
}

export interface RequestOptions {
  body?: unknown;
  /** Raw body bytes/text, sent as is (with `contentType`). */
  raw?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
  /** Customer to sign a token for; `null` sends no token. Default: the harness's customer. */
  as?: string | null;
}

const checkConformance = createConformanceChecker(openApiDocument());

export interface TestApi {
  api: RunningApi;
  db: Database;
  keys: GatewayKeys;
  url: string;
  request(method: string, path: string, opts?: RequestOptions): Promise<TestResponse>;
  close(): Promise<void>;
}

export async function startTestApi(
  kind: TestDatabaseKind,
  opts: { customer?: string; config?: Partial<Config>; db?: Database; logger?: Logger } = {},
): Promise<TestApi> {
  const keys = await gatewayKeys();
  const db = opts.db ?? (await kind.open());
  const config = testConfig({
    ...opts.config,
    identity: {
      publicKeyPem: keys.publicKeyPem,
      jwksUrl: 'http://127.0.0.1:9/unused',
      devCustomer: undefined,
      ...opts.config?.identity,
    },
  });
  const api = await startApi(config, { db, logger: opts.logger });
  const defaultCustomer = opts.customer ?? 'cus_test';

  async function request(
    method: string,
    path: string,
    o: RequestOptions = {},
  ): Promise<TestResponse> {
    const headers: Record<string, string> = { ...o.headers };
    const as = o.as === undefined ? defaultCustomer : o.as;
    if (as !== null) headers[IDENTITY_HEADER] = await keys.sign(as);
    let body: string | Buffer | undefined;
    if (o.raw !== undefined) {
      body = o.raw;
      if (o.contentType) headers['content-type'] = o.contentType;
    } else if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['content-type'] = o.contentType ?? 'application/json';
    }
    const res = await fetch(api.url + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    const problems = checkConformance({
      method,
      path,
      status: res.status,
      contentType: res.headers.get('content-type'),
      body: text,
    });
    expect(problems, 'response conforms to /openapi.json').toEqual([]);
    // Batch: each sub-response must conform too, as if it had been a direct call.
    if (path === '/v1/batch' && res.status === 200 && parsed && typeof o.body === 'object') {
      const subs = (o.body as { requests: { method: string; path: string }[] }).requests;
      (
        parsed as {
          responses: { status: number; headers: Record<string, string>; body: unknown }[];
        }
      ).responses.forEach((sub, i) => {
        const subProblems = checkConformance({
          method: subs[i]!.method,
          path: subs[i]!.path,
          status: sub.status,
          contentType: sub.headers['content-type'] ?? null,
          body:
            sub.body === null
              ? ''
              : typeof sub.body === 'string'
                ? sub.body
                : JSON.stringify(sub.body),
        });
        expect(subProblems, `batch sub-response ${i} conforms`).toEqual([]);
      });
    }
    if (res.status >= 400) {
      // Every failure is the envelope, carrying the request id that was echoed in the header.
      expect(parsed).toMatchObject({
        error: { code: expect.any(String), message: expect.any(String) },
      });
      expect((parsed as { error: { request_id: string } }).error.request_id).toBe(
        res.headers.get('x-request-id'),
      );
    }
    return { status: res.status, headers: res.headers, text, body: parsed };
  }

  return {
    api,
    db,
    keys,
    url: api.url,
    request,
    async close() {
      await api.close();
      if (!opts.db) await db.close();
    },
  };
}

export const validOrder = (overrides: Record<string, unknown> = {}) => ({
  items: [
    { sku: 'SKU-1', quantity: 2, unit_price_cents: 1250 },
    { sku: 'SKU-2', quantity: 1, unit_price_cents: 999 },
  ],
  currency: 'EUR',
  notes: 'leave at the door',
  ...overrides,
});
