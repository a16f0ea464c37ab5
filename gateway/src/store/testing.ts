import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type GatewayStore, type GatewayStoreOptions, openGatewayStore } from './gateway-store.js';

/** Tests only: the real PostgreSQL every integration test uses (DATABASE_URL of the test machine). */
export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestBackend {
  name: 'pglite' | 'postgres';
  /** Opens a store on a fresh, private schema (pass `schema` to share one between stores). */
  open(extra?: Partial<GatewayStoreOptions>): Promise<GatewayStore>;
  /** Drops the schemas this backend created. */
  cleanup(): Promise<void>;
}

export function uniqueSchema(label: string): string {
  return `gw_${label}_${randomBytes(5).toString('hex')}`;
}

/** Both backends, so every store behaviour is checked on PGlite and on real PostgreSQL. */
export function testBackends(label: string): TestBackend[] {
  const pgSchemas: string[] = [];
  return [
    {
      name: 'pglite',
      open: (extra = {}) => openGatewayStore({ schema: uniqueSchema(label), ...extra }),
      cleanup: async () => {},
    },
    {
      name: 'postgres',
      open: (extra = {}) => {
        const schema = extra.schema ?? uniqueSchema(label);
        pgSchemas.push(schema);
        return openGatewayStore({ url: TEST_DATABASE_URL, schema, ...extra });
      },
      cleanup: async () => {
        if (pgSchemas.length === 0) return;
        const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await client.connect();
        try {
          for (const schema of new Set(pgSchemas)) {
            await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          }
        } finally {
          await client.end();
        }
      },
    },
  ];
}
