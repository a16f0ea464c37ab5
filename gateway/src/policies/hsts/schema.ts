import { z } from 'zod';

export const HstsOptionsSchema = z
  .object({
    maxAgeSeconds: z.number().int().min(0).default(31_536_000),
    includeSubDomains: z.boolean().default(false),
  })
  .strict();
export type HstsOptions = z.input<typeof HstsOptionsSchema>;
