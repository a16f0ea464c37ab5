import { z } from 'zod';

const Limit = z
  .object({
    requests_per_minute: z.number().int().positive(),
    burst: z.number().int().positive(),
  })
  .strict();

export const RateLimitOptionsSchema = z
  .object({
    /** Prefix of every key (Redis namespacing; tests use one per file). */
    prefix: z.string().default('gatehouse:rl:'),
    /** What a store failure does: `open` = fall back to per-process limits, `closed` = 503. */
    failMode: z.enum(['open', 'closed']).default('open'),
    /** Limits for public routes (no caller), per client IP. */
    anonymous: Limit.default({ requests_per_minute: 600, burst: 100 }),
  })
  .strict();
export type RateLimitOptions = z.input<typeof RateLimitOptionsSchema>;
