import type { GcraLimit } from '../gcra.js';

export interface QuotaSpec {
  /** Counter key, one per customer and UTC day. */
  key: string;
  limit: number;
  /** ms until the counter's window ends (the next UTC midnight). */
  windowMs: number;
}

export interface ConsumeRequest {
  limits: GcraLimit[];
  quota?: QuotaSpec | undefined;
}

export interface Decision {
  allowed: boolean;
  /** Smallest remaining over all limits. */
  remaining: number;
  retryAfterMs: number;
  resetMs: number;
  /** Denied by the daily quota rather than a rate. */
  quotaExceeded: boolean;
}

/**
 * Decide and count in ONE atomic step (Kong #8227: decide-then-count races let concurrent
 * requests through). Memory answers synchronously; Redis with a promise.
 */
export interface RateLimitStore {
  readonly kind: 'memory' | 'redis';
  consume(request: ConsumeRequest): Decision | Promise<Decision>;
  close(): Promise<void>;
}
