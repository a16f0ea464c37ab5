/**
 * Parses an NDJSON batch and validates every line with the shared event schema. A line is one
 * event, either positional (a JSON array of the values in `REQUEST_EVENT_FIELDS` order, what the
 * gateway sends) or an object. The batch is all-or-nothing: any invalid line refuses the whole
 * batch, with a reason per line, so nothing is ever half-applied (batch-validation.ts). Lines in a
 * gateway's own compact shapes take a fast path (compact-event.ts); the rest are parsed,
 * validated and re-serialised.
 */
import { eventFromRow, REQUEST_EVENT_FIELDS } from '@gatehouse/shared';
import { BatchValidation, type ParseResult } from './batch-validation.js';
import { readFastEvent } from './compact-event.js';

export function parseNdjsonBatch(text: string): ParseResult {
  const batch = new BatchValidation();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const fast = readFastEvent(line);
    if (fast !== undefined) {
      batch.accept(fast.event, fast.clickhouseLine);
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      batch.refuse(i + 1, 'not valid JSON');
      continue;
    }
    if (Array.isArray(value)) {
      const keyed = eventFromRow(value);
      if (keyed === undefined) {
        batch.refuse(
          i + 1,
          `a positional event has ${REQUEST_EVENT_FIELDS.length} values, this one ${value.length}`,
        );
        continue;
      }
      value = keyed;
    }
    // Only a `\u` escape in the sender's JSON can produce a lone surrogate.
    batch.judge(i + 1, value, !line.includes('\\'));
  }
  return batch.result();
}
