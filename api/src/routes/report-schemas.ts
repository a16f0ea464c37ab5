import { z } from 'zod';

export const ReportRequestSchema = z
  .strictObject({
    from: z.iso
      .date()
      .meta({ description: 'First day (UTC), `YYYY-MM-DD`.', example: '2026-01-01' }),
    to: z.iso
      .date()
      .meta({ description: 'Last day (UTC), inclusive, `YYYY-MM-DD`.', example: '2026-01-31' }),
    // Scheme, host and resolved addresses are checked by the report service
    // (422 `callback_url_not_allowed`).
    callback_url: z.string().min(1).max(2048).optional().meta({
      description:
        'Receives a signed POST when the job ends. Private and loopback addresses are refused.',
    }),
  })
  .refine((r) => r.from <= r.to, { path: ['to'], message: 'Must not be before `from`.' })
  .meta({ id: 'ReportRequest' });
export type ReportRequest = z.infer<typeof ReportRequestSchema>;

export const ReportStatusSchema = z
  .enum(['queued', 'running', 'succeeded', 'failed'])
  .meta({ id: 'ReportStatus' });

export const ReportAcceptedSchema = z
  .object({ job_id: z.string(), status: ReportStatusSchema, status_url: z.string() })
  .meta({ id: 'ReportAccepted' });

export const ReportSchema = z
  .object({
    id: z.string(),
    status: ReportStatusSchema,
    from: z.string(),
    to: z.string(),
    callback_url: z.string().nullable(),
    result: z
      .object({
        days: z.array(
          z.object({ date: z.string(), orders: z.number().int(), total_cents: z.number().int() }),
        ),
      })
      .nullable(),
    error: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Report' });
