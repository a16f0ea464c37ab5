import { z } from 'zod';
import { JwtSchema } from '../../config.js';

export const AuthOptionsSchema = z
  .object({
    /** `realm` of the WWW-Authenticate challenge. */
    realm: z.string().min(1).default('gatehouse'),
    jwt: JwtSchema.optional(),
  })
  .strict();
export type AuthOptions = z.input<typeof AuthOptionsSchema>;
