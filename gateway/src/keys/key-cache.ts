import {
  constantTimeEqualStrings,
  KEY_SECRET_OFFSET,
  keyIdOfKeyShaped,
  parseApiKey,
  secretMatches,
} from './api-key.js';

/**
 * The key cache: every gateway process keeps all keys, customers and plans in memory so the
 * per-request path never awaits a database, and refreshes them in the background so a
 * revocation (or disable, expiry cut by a rotation, plan change) reaches every process within
 * a couple of refresh intervals. Kong #3836/#5705 are what happens when revocation only
 * reaches the database: deleted keys kept working from caches.
 */

export interface Plan {
  name: string;
  requests_per_minute: number;
  burst: number;
  requests_per_second?: number | null;
  daily_quota?: number | null;
}

export interface AuthenticatedKey {
  keyId: string;
  customerId: string;
  plan: Plan;
  scopes: string[];
}

export type KeyCheck =
  | { ok: true; key: AuthenticatedKey }
  | { ok: false; reason: 'malformed' | 'unknown' | 'revoked' | 'expired' | 'customer_disabled' };

export interface KeyCache {
  /** Parse, look up by key id, constant-time compare the secret's SHA-256. Synchronous. */
  verify(rawKey: string): KeyCheck;
  /**
   * The current plan of a customer (JWT callers, whose customer comes from a claim).
   * `undefined` for an unknown OR a disabled customer: treat it as "refuse".
   */
  planFor(customerId: string): Plan | undefined;
  /** Whether a customer id (e.g. from a JWT claim) is known and enabled. */
  customerStatus(customerId: string): 'active' | 'disabled' | 'unknown';
  /** Initial full load (rejects if it fails), then background refresh every `refreshMs`. */
  start(): Promise<void>;
  stop(): void;
  /** Refresh now (the admin API calls it after a write so its own process is current at once). */
  refresh(): Promise<void>;
  /** For readiness checks and metrics. */
  stats(): KeyCacheStats;
}

export interface KeyCacheStats {
  keys: number;
  customers: number;
  plans: number;
  /** Epoch ms of the last successful refresh; 0 before the first. */
  lastRefreshAt: number;
  consecutiveFailures: number;
}

/** Snapshot rows in plain JSON-able values (times in epoch ms), so they can also cross IPC. */
export type KeyDataPlan = Plan;
export interface KeyDataCustomer {
  id: string;
  plan: string;
  disabled: boolean;
}
export interface KeyDataKey {
  keyId: string;
  customerId: string;
  /** Hex SHA-256 of the secret. */
  hash: string;
  scopes: string[];
  expiresAt: number | null;
  revokedAt: number | null;
}
export interface KeyData {
  /** true: this is everything (replace); false: only rows changed since the cursor (merge). */
  full: boolean;
  /** Opaque; pass back to get changes since this read. */
  cursor: string;
  plans: KeyDataPlan[];
  customers: KeyDataCustomer[];
  keys: KeyDataKey[];
}

/** Where the cache reads from: `GatewayStore` implements it; a cluster bridge could too. */
export interface KeyStore {
  readKeyData(cursor?: string): Promise<KeyData>;
}

export interface KeyCacheOptions {
  /** Background refresh period (ms). 1000 keeps revocation well inside the 5 s promise. */
  refreshMs: number;
  /**
   * Every this many ms the refresh reads everything instead of changes (ms, default 60 s):
   * a safety net for anything the incremental read could miss (rows removed by hand, a
   * transaction that committed long after it started).
   */
  fullReloadMs?: number;
  /** Refresh failures (the cache keeps serving what it has). */
  onError?: (error: unknown) => void;
  /** Clock for expiry checks; tests may pass their own. */
  now?: () => number;
}

interface CachedKey {
  keyId: string;
  customerId: string;
  hash: Buffer;
  /**
   * The exact presented key that last passed the SHA-256 check against `hash`, so the next
   * request with the same key costs a constant-time string compare instead of a hash (the
   * hash was ~3.5 µs of every authenticated request in the bench profile). Safe because:
   * - a hit needs the presented string to equal, character for character, one that was
   *   verified against THIS entry's hash: a wrong secret for a known key id is a different
   *   string, so it never hits and gets the full check (and fails it);
   * - the compare is constant-time over the fixed key length, like the digest compare;
   * - it lives on the entry, and every refresh that changes the row (new hash, revocation,
   *   expiry, scopes) or any full reload builds a new entry without it; revocation, expiry,
   *   customer and plan are still checked on every request after the match.
   * It holds a live key in process memory, as every request in flight does; nothing here is
   * serialised, logged or shipped.
   */
  verified: string | undefined;
  /**
   * The last success answered for this entry and the plan it names: every request of a busy
   * key gets the same frozen answer while the plan object is the same (a refresh that changes
   * the plan makes a new plan object), instead of two new objects each time.
   */
  passed: { ok: true; key: AuthenticatedKey } | undefined;
  scopes: string[];
  expiresAt: number | null;
  revokedAt: number | null;
}

interface State {
  plans: Map<string, Plan>;
  customers: Map<string, { plan: string; disabled: boolean }>;
  keys: Map<string, CachedKey>;
}

function emptyState(): State {
  return { plans: new Map(), customers: new Map(), keys: new Map() };
}

function apply(state: State, data: KeyData): void {
  for (const p of data.plans) {
    // Frozen: callers get these objects by reference on every request and must not change them.
    state.plans.set(
      p.name,
      Object.freeze({
        name: p.name,
        requests_per_minute: p.requests_per_minute,
        burst: p.burst,
        requests_per_second: p.requests_per_second ?? null,
        daily_quota: p.daily_quota ?? null,
      }),
    );
  }
  for (const c of data.customers) state.customers.set(c.id, { plan: c.plan, disabled: c.disabled });
  for (const k of data.keys) {
    state.keys.set(k.keyId, {
      keyId: k.keyId,
      customerId: k.customerId,
      hash: Buffer.from(k.hash, 'hex'),
      scopes: Object.freeze([...k.scopes]) as string[],
      expiresAt: k.expiresAt,
      revokedAt: k.revokedAt,
      verified: undefined,
      passed: undefined,
    });
  }
}

export function createKeyCache(store: KeyStore, opts: KeyCacheOptions): KeyCache {
  if (!Number.isFinite(opts.refreshMs) || opts.refreshMs <= 0) {
    throw new Error(`Key cache refreshMs must be a positive number of ms (got ${opts.refreshMs}).`);
  }
  const fullReloadMs = opts.fullReloadMs ?? 60_000;
  const now = opts.now ?? Date.now;
  let state = emptyState();
  let cursor: string | undefined;
  let lastFullAt = 0;
  let lastRefreshAt = 0;
  let consecutiveFailures = 0;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let inFlight: Promise<void> | undefined;

  async function load(): Promise<void> {
    const full = cursor === undefined || now() - lastFullAt >= fullReloadMs;
    const data = await store.readKeyData(full ? undefined : cursor);
    if (data.full) {
      // Build aside and swap, so a full reload also forgets rows that vanished.
      const next = emptyState();
      apply(next, data);
      state = next;
      lastFullAt = now();
    } else {
      apply(state, data);
    }
    cursor = data.cursor;
    lastRefreshAt = now();
    consecutiveFailures = 0;
  }

  /** One refresh at a time; callers during a refresh share it (and then get a fresh one). */
  function refresh(): Promise<void> {
    const run = (inFlight ?? Promise.resolve())
      .catch(() => {})
      .then(load)
      .finally(() => {
        if (inFlight === run) inFlight = undefined;
      });
    inFlight = run;
    return run;
  }

  function schedule(): void {
    if (!running) return;
    timer = setTimeout(() => {
      refresh()
        .catch((error: unknown) => {
          consecutiveFailures++;
          opts.onError?.(error);
        })
        .finally(schedule);
    }, opts.refreshMs);
    // The refresh loop alone must not keep a process alive.
    timer.unref();
  }

  return {
    verify(rawKey: string): KeyCheck {
      const shapedId = keyIdOfKeyShaped(rawKey);
      let entry = shapedId === undefined ? undefined : state.keys.get(shapedId);
      if (
        entry === undefined ||
        entry.verified === undefined ||
        // The prefix and the key id (the map key) are equal already: compare what follows.
        !constantTimeEqualStrings(rawKey, entry.verified, KEY_SECRET_OFFSET)
      ) {
        const parsed = parseApiKey(rawKey);
        if (!parsed) return { ok: false, reason: 'malformed' };
        entry = state.keys.get(parsed.keyId);
        if (!entry || !secretMatches(parsed.secret, entry.hash))
          return { ok: false, reason: 'unknown' };
        // A flat copy (the key is ASCII: it parsed): `rawKey` is usually a slice of the
        // Authorization header, slower to read by character and holding the header alive.
        entry.verified = Buffer.from(rawKey, 'latin1').toString('latin1');
      }
      // Only someone holding the secret learns why a key stopped working.
      if (entry.revokedAt !== null) return { ok: false, reason: 'revoked' };
      if (entry.expiresAt !== null && entry.expiresAt <= now())
        return { ok: false, reason: 'expired' };
      const customer = state.customers.get(entry.customerId);
      if (!customer) return { ok: false, reason: 'unknown' };
      if (customer.disabled) return { ok: false, reason: 'customer_disabled' };
      const plan = state.plans.get(customer.plan);
      if (!plan) return { ok: false, reason: 'unknown' };
      if (entry.passed?.key.plan !== plan) {
        entry.passed = Object.freeze({
          ok: true,
          key: Object.freeze({
            keyId: entry.keyId,
            customerId: entry.customerId,
            plan,
            scopes: entry.scopes,
          }),
        });
      }
      return entry.passed;
    },
    planFor(customerId: string): Plan | undefined {
      const customer = state.customers.get(customerId);
      if (!customer || customer.disabled) return undefined;
      return state.plans.get(customer.plan);
    },
    customerStatus(customerId: string): 'active' | 'disabled' | 'unknown' {
      const customer = state.customers.get(customerId);
      if (!customer) return 'unknown';
      return customer.disabled ? 'disabled' : 'active';
    },
    async start(): Promise<void> {
      if (running) return;
      await refresh();
      running = true;
      schedule();
    },
    stop(): void {
      running = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
    refresh,
    stats(): KeyCacheStats {
      return {
        keys: state.keys.size,
        customers: state.customers.size,
        plans: state.plans.size,
        lastRefreshAt,
        consecutiveFailures,
      };
    },
  };
}
