/**
 * Admin API shapes. The same zod schemas validate requests and generate `/openapi.json`
 * (see openapi.ts), so the documentation cannot drift from what is enforced.
 */
import { z } from 'zod';

/** Free text people type: trimmed, 1–200 characters, any script, stored exactly as sent. */
const displayName = z
  .string()
  .trim()
  .min(1)
  .max(200)
  // A refinement rather than a pattern: the /u flag does not survive into OpenAPI. Control
  // characters (NUL cannot even be stored) and lone surrogates (not valid UTF-8: they would be
  // stored as U+FFFD, silently changing the name) are refused.
  .refine(
    (s) => !/[\p{Cc}\p{Cs}]/u.test(s),
    'must not contain control characters or lone surrogates',
  );

export const PlanName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, - and _; at most 63')
  .meta({ example: 'pro' });

const scope = z
  .string()
  .regex(/^[A-Za-z0-9:._/*-]{1,100}$/, 'letters, digits and : . _ / * -; at most 100');

const futureDateTime = z.iso
  .datetime({ offset: true })
  .refine((v) => Date.parse(v) > Date.now(), 'must be in the future')
  .meta({ example: '2030-01-01T00:00:00Z' });

const timestamp = z.iso.datetime({ offset: true });

// ---- requests ----

export const CreateCustomerBody = z
  .object({
    name: displayName.meta({ example: 'Acme Corp' }),
    plan: PlanName.default('free'),
  })
  .strict()
  .meta({ id: 'CreateCustomer' });

export const UpdateCustomerBody = z
  .object({ name: displayName.optional(), plan: PlanName.optional() })
  .strict()
  .refine((b) => b.name !== undefined || b.plan !== undefined, {
    message: 'send name and/or plan',
  })
  .meta({ id: 'UpdateCustomer' });

export const CreateKeyBody = z
  .object({
    name: displayName.nullable().optional().meta({ example: 'ci' }),
    scopes: z
      .array(scope)
      .max(50)
      .default([])
      .meta({ example: ['orders:read'] }),
    expires_at: futureDateTime.nullable().optional(),
  })
  .strict()
  .meta({ id: 'CreateKey' });

export const DEFAULT_GRACE_SECONDS = 24 * 60 * 60;

export const RotateKeyBody = z
  .object({
    grace_seconds: z
      .number()
      .int()
      .min(0)
      .max(30 * 24 * 60 * 60)
      .default(DEFAULT_GRACE_SECONDS)
      .meta({ description: 'How long the old key keeps working (default 24 h).' }),
    expires_at: futureDateTime.nullable().optional(),
  })
  .strict()
  .meta({ id: 'RotateKey' });

export const CreatePlanBody = z
  .object({
    name: PlanName,
    requests_per_minute: z.number().int().min(1).max(10_000_000),
    burst: z.number().int().min(1).max(1_000_000),
    requests_per_second: z.number().int().min(1).max(1_000_000).nullable().optional(),
    daily_quota: z.number().int().min(1).max(2_000_000_000).nullable().optional(),
  })
  .strict()
  .meta({ id: 'CreatePlan' });

export const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional(),
});

export const CustomerIdParams = z.object({ id: z.string().meta({ example: 'cus_…' }) });
export const KeyIdParams = z.object({ key_id: z.string() });
export const PlanNameParams = z.object({ name: z.string() });

// ---- responses ----

export const PlanSchema = z
  .object({
    name: z.string(),
    requests_per_minute: z.number().int(),
    burst: z.number().int(),
    requests_per_second: z.number().int().nullable(),
    daily_quota: z.number().int().nullable(),
    created_at: timestamp,
  })
  .meta({ id: 'Plan' });

export const CustomerSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    plan: z.string(),
    status: z.enum(['active', 'disabled']),
    disabled_at: timestamp.nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Customer' });

export const ApiKeySchema = z
  .object({
    key_id: z.string(),
    prefix: z.string().meta({ description: 'Non-secret start of the key, to recognise it.' }),
    customer_id: z.string(),
    name: z.string().nullable(),
    scopes: z.array(z.string()),
    status: z.enum(['active', 'revoked', 'expired']),
    created_at: timestamp,
    expires_at: timestamp.nullable(),
    revoked_at: timestamp.nullable(),
    rotated_from: z.string().nullable(),
  })
  .meta({ id: 'ApiKey' });

export const CreatedKeySchema = ApiKeySchema.extend({
  secret: z.string().meta({
    description:
      'The full API key, shown only in this response. Send it as `Authorization: Bearer <secret>`.',
  }),
}).meta({ id: 'CreatedApiKey' });

export const RotatedKeySchema = CreatedKeySchema.extend({
  previous_key: z.object({ key_id: z.string(), expires_at: timestamp }),
}).meta({ id: 'RotatedApiKey' });

export function listOf<T extends z.ZodType>(item: T, id: string) {
  return z
    .object({ items: z.array(item), has_more: z.boolean(), next_cursor: z.string().nullable() })
    .meta({ id });
}

export const ErrorEnvelopeDoc = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      field: z.string().optional(),
      details: z.unknown().optional(),
      request_id: z.string(),
    }),
  })
  .meta({ id: 'Error' });
