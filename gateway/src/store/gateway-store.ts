import type { KeyData, KeyStore } from '../keys/key-cache.js';
import {
  type CreatedApiKey,
  getApiKey,
  insertApiKey,
  listApiKeys,
  type NewApiKey,
  type RotateResult,
  revokeApiKey,
  rotateApiKey,
} from './api-keys.js';
import {
  createCustomer,
  getCustomer,
  listCustomers,
  setCustomerDisabled,
  type UpdateCustomerResult,
  updateCustomer,
} from './customers.js';
import { type Db, openDb, pgliteDirFor } from './db.js';
import { readKeyData } from './key-data.js';
import { migrate } from './migrate.js';
import { createPlan, getPlan, listPlans, type NewPlan } from './plans.js';
import type { ApiKeyRecord, CustomerRecord, Page, PageOptions, PlanRecord } from './records.js';

export type { ApiKeyRecord, CustomerRecord, Page, PageOptions, PlanRecord } from './records.js';
export type { CreatedApiKey, NewApiKey, RotateResult } from './api-keys.js';
export type { UpdateCustomerResult } from './customers.js';
export type { NewPlan } from './plans.js';

export interface GatewayStoreOptions {
  /** `DATABASE_URL`: real PostgreSQL through a `pg` pool. Wins over dataDir. */
  url?: string | undefined;
  /** `GATEHOUSE_DATA_DIR`: PGlite in `<dataDir>/gateway-db`. Neither: PGlite in memory. */
  dataDir?: string | undefined;
  /** Keep the tables in this schema (created if missing); tests use one per file. */
  schema?: string | undefined;
  maxConnections?: number | undefined;
}

/** Customers, plans and keys; also the key cache's source. Routes call this, never SQL. */
export interface GatewayStore extends KeyStore {
  readonly kind: 'postgres' | 'pglite';
  listPlans(): Promise<PlanRecord[]>;
  getPlan(name: string): Promise<PlanRecord | undefined>;
  /** `undefined` when the name is taken. */
  createPlan(plan: NewPlan): Promise<PlanRecord | undefined>;

  /** `undefined` when the plan does not exist. */
  createCustomer(input: { name: string; plan: string }): Promise<CustomerRecord | undefined>;
  getCustomer(id: string): Promise<CustomerRecord | undefined>;
  listCustomers(page: PageOptions): Promise<Page<CustomerRecord>>;
  setCustomerDisabled(id: string, disabled: boolean): Promise<CustomerRecord | undefined>;
  updateCustomer(
    id: string,
    patch: { name?: string | undefined; plan?: string | undefined },
  ): Promise<UpdateCustomerResult>;

  createApiKey(input: NewApiKey): Promise<CreatedApiKey>;
  getApiKey(keyId: string): Promise<ApiKeyRecord | undefined>;
  listApiKeys(customerId: string, page: PageOptions): Promise<Page<ApiKeyRecord>>;
  revokeApiKey(keyId: string): Promise<ApiKeyRecord | undefined>;
  rotateApiKey(keyId: string, graceSeconds: number, expiresAt?: Date | null): Promise<RotateResult>;

  readKeyData(cursor?: string): Promise<KeyData>;
  /** The underlying connection, for tests and diagnostics. */
  readonly db: Db;
  close(): Promise<void>;
}

export async function openGatewayStore(options: GatewayStoreOptions = {}): Promise<GatewayStore> {
  const db = await openDb({
    url: options.url,
    pgliteDir: options.url || !options.dataDir ? undefined : pgliteDirFor(options.dataDir),
    schema: options.schema,
    maxConnections: options.maxConnections,
  });
  try {
    await migrate(db, options.schema);
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
  return {
    kind: db.kind,
    db,
    listPlans: () => listPlans(db),
    getPlan: (name) => getPlan(db, name),
    createPlan: (plan) => createPlan(db, plan),
    createCustomer: (input) => createCustomer(db, input),
    getCustomer: (id) => getCustomer(db, id),
    listCustomers: (page) => listCustomers(db, page),
    setCustomerDisabled: (id, disabled) => setCustomerDisabled(db, id, disabled),
    updateCustomer: (id, patch) => updateCustomer(db, id, patch),
    createApiKey: (input) => insertApiKey(db, input),
    getApiKey: (keyId) => getApiKey(db, keyId),
    listApiKeys: (customerId, page) => listApiKeys(db, customerId, page),
    revokeApiKey: (keyId) => revokeApiKey(db, keyId),
    rotateApiKey: (keyId, graceSeconds, expiresAt = null) =>
      db.transaction((tx) => rotateApiKey(tx, keyId, graceSeconds, expiresAt)),
    readKeyData: (cursor) => readKeyData(db, cursor),
    close: () => db.close(),
  };
}
