import { z } from 'zod';

export const CaptureOptionsSchema = z
  .object({
    /** Gateway instance name in events (host:pid). */
    instance: z.string().min(1).max(200),
  })
  .strict();
export type CaptureOptions = z.input<typeof CaptureOptionsSchema>;
