import { z } from 'zod';

export const RequestIdOptionsSchema = z
  .object({
    /** Header the id is read from (when valid) and returned in. */
    header: z.string().toLowerCase().default('x-request-id'),
    /** Client ids are kept only if they match this; anything else is replaced, not echoed. */
    maxLength: z.number().int().min(8).max(128).default(128),
  })
  .strict();
export type RequestIdOptions = z.input<typeof RequestIdOptionsSchema>;
