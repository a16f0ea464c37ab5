import { z } from 'zod';
import { storableText } from '../orders/schemas.js';

export const SignupRequestSchema = z
  .strictObject({
    email: z.email().max(254),
    name: storableText(1, 200),
  })
  .meta({ id: 'SignupRequest' });

export const SignupSchema = z
  .object({ id: z.string(), email: z.string(), name: z.string(), created_at: z.string() })
  .meta({ id: 'Signup' });
