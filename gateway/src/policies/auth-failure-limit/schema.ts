import { z } from 'zod';

export const AuthFailureLimitOptionsSchema = z
  .object({
    /** Failed authentications per client IP per minute at the sustained rate. */
    requests_per_minute: z.number().int().positive().default(30),
    /** Failures allowed at once before the limit applies. */
    burst: z.number().int().positive().default(30),
  })
  .strict();
export type AuthFailureLimitOptions = z.input<typeof AuthFailureLimitOptionsSchema>;
