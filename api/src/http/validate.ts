import type { z } from 'zod';
import { ApiError } from '@gatehouse/shared';
import { ApiErrors } from '../errors.js';

export interface FieldProblem {
  field: string;
  code: string;
  message: string;
}

/** Dotted path of one zod issue; an unknown key names the key itself. */
function problems(error: z.ZodError): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const issue of error.issues) {
    const base = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({
          field: [...base, key].join('.'),
          code: 'unknown_field',
          message: 'This field is not accepted here.',
        });
      }
      continue;
    }
    out.push({ field: base.join('.'), code: issue.code, message: issue.message });
  }
  return out;
}

/**
 * Parses `value` with `schema`; on failure throws 422 `validation_failed` with the first
 * failing field as a dotted path (prefixed, e.g. `limit` for query parameters) and every
 * failure in `details`. Input values are never echoed back.
 */
export function parseOr422<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details = problems(result.error);
  const first = details.find((d) => d.field !== '') ?? details[0];
  throw new ApiError(ApiErrors.validation_failed, {
    field: first && first.field !== '' ? first.field : undefined,
    message: first ? `${first.field || 'body'}: ${first.message}` : undefined,
    details,
  });
}
