/**
 * Parses an NDJSON batch and validates every line with the shared event schema. A line is one
 * event, either positional (a JSON array of the values in `REQUEST_EVENT_FIELDS` order, what the
 * gateway sends) or an object. The batch is all-or-nothing: any invalid line refuses the whole
 * batch, with a reason per line, so nothing is ever half-applied. (The gateway's shipper drops the
 * refused lines, counts them and resends the rest.) Lines in a gateway's own compact shapes take a
 * fast path (compact-event.ts); the rest are parsed, validated and re-serialised.
 */
import {
  eventFromRow,
  type IngestRejection,
  isValidRequestEvent,
  REQUEST_EVENT_FIELDS,
  RequestEventSchema,
} from '@gatehouse/shared';
import { addEncoded, type EncodedEvents, encodeEvent } from '../clickhouse/requests-store.js';
import { readFastEvent } from './compact-event.js';

/** Reasons listed per refused batch; the count covers all of them. */
export const MAX_LISTED_REASONS = 100;

export type ParseResult =
  | { ok: true; events: EncodedEvents }
  | { ok: false; rejection: IngestRejection };

export function parseEventBatch(text: string): ParseResult {
  // Each valid row is encoded for ClickHouse right away: the parsed object is garbage before it
  // leaves the young generation, and the queue holds only the id and the line.
  const events: EncodedEvents = {
    ids: [],
    lines: [],
    minTsMs: Number.POSITIVE_INFINITY,
    maxTsMs: 0,
  };
  const rows: IngestRejection['rows'] = [];
  let invalid = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const fast = readFastEvent(line);
    if (fast !== undefined) {
      if (invalid === 0) addEncoded(events, fast.event, fast.clickhouseLine);
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      invalid += 1;
      if (rows.length < MAX_LISTED_REASONS) rows.push({ line: i + 1, message: 'not valid JSON' });
      continue;
    }
    if (Array.isArray(value)) {
      const keyed = eventFromRow(value);
      if (keyed === undefined) {
        invalid += 1;
        if (rows.length < MAX_LISTED_REASONS) {
          rows.push({
            line: i + 1,
            message: `a positional event has ${REQUEST_EVENT_FIELDS.length} values, this one ${value.length}`,
          });
        }
        continue;
      }
      value = keyed;
    }
    // The hand-written check accepts only rows zod would return unchanged, at a fraction of its
    // cost; zod still judges every row it declines and words the reasons.
    if (isValidRequestEvent(value)) {
      if (invalid === 0) addEncoded(events, value, encodeEvent(value, !line.includes('\\')));
      continue;
    }
    const parsed = RequestEventSchema.safeParse(value);
    if (parsed.success) {
      if (invalid === 0) addEncoded(events, parsed.data, encodeEvent(parsed.data));
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
