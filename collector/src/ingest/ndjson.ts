/**
 * Parses an NDJSON batch and validates every line with the shared event schema. The batch is
 * all-or-nothing: any invalid line refuses the whole batch, with a reason per line, so nothing is
 * ever half-applied. (The gateway's shipper drops the refused lines, counts them and resends the
 * rest.)
 */
import {
  type IngestRejection,
  isValidRequestEvent,
  type RequestEvent,
  RequestEventSchema,
} from '@gatehouse/shared';

/** Reasons listed per refused batch; the count covers all of them. */
export const MAX_LISTED_REASONS = 100;

export type ParseResult =
  | { ok: true; events: RequestEvent[] }
  | { ok: false; rejection: IngestRejection };

export function parseEventBatch(text: string): ParseResult {
  const events: RequestEvent[] = [];
  const rows: IngestRejection['rows'] = [];
  let invalid = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      invalid += 1;
      if (rows.length < MAX_LISTED_REASONS) rows.push({ line: i + 1, message: 'not valid JSON' });
      continue;
    }
    // The hand-written check accepts only rows zod would return unchanged, at a fraction of its
    // cost; zod still judges every row it declines and words the reasons.
    if (isValidRequestEvent(value)) {
      events.push(value);
      continue;
    }
    const parsed = RequestEventSchema.safeParse(value);
    if (parsed.success) {
      events.push(parsed.data);
    } else {
      invalid += 1;
      if (rows.length < MAX_LISTED_REASONS) {
        const issue = parsed.error.issues[0]!;
        rows.push({
          line: i + 1,
          field: issue.path.join('.') || undefined,
          message: issue.message,
        });
      }
    }
  }
  if (invalid > 0) {
    return {
      ok: false,
      rejection: {
        invalid_rows: invalid,
        rows: rows.map((r) => (r.field === undefined ? { line: r.line, message: r.message } : r)),
        truncated: invalid > rows.length,
      },
    };
  }
  return { ok: true, events };
}
