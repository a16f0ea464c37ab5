import { z } from 'zod';

export const CredentialsInUrlOptionsSchema = z
  .object({
    /** Query parameter names (case-insensitive) that carry credentials. */
    names: z
      .array(z.string().min(1))
      .min(1)
      .default(['api_key', 'apikey', 'key', 'access_token', 'token']),
  })
  .strict();
export type CredentialsInUrlOptions = z.input<typeof CredentialsInUrlOptionsSchema>;
