import { z } from 'zod';

export const BodyLimitOptionsSchema = z
  .object({
    /** Largest request body accepted, in bytes. */
    maxBytes: z.number().int().positive().default(1_048_576),
  })
  .strict();
export type BodyLimitOptions = z.input<typeof BodyLimitOptionsSchema>;
