/**
 * Parses a binary event batch (`application/vnd.gatehouse.event-batch`, packages/shared's
 * event-batch.ts), what the gateway sends, and validates every event exactly as an NDJSON line
 * (batch-validation.ts): all or nothing, an invalid event named by its 1-based position in the
 * batch. A body the reader cannot read as a whole is refused with 400 `invalid_event_batch`:
 * after one unreadable byte, nothing says where the next event starts. A batch of a version this
 * collector does not know gets 415 instead, which senders keep and retry (a newer gateway met
 * during a rolling upgrade), where a 400 is final.
 */
import { ApiError, readEventBatch } from '@gatehouse/shared';
import { CollectorErrors } from '../errors.js';
import { BatchValidation, type ParseResult } from './batch-validation.js';

export function parseEventBatchBody(body: Buffer): ParseResult {
  const read = readEventBatch(body);
  if (!read.ok) {
    const spec =
      read.version === undefined
        ? CollectorErrors.invalid_event_batch
        : CollectorErrors.unsupported_event_batch_version;
    throw new ApiError(spec, { message: read.message });
  }
  const batch = new BatchValidation();
  const { events } = read;
  // The reader's strings are well formed: ASCII, or UTF-8 it checked (which has no surrogates).
  for (let i = 0; i < events.length; i++) batch.judge(i + 1, events[i], true);
  return batch.result();
}
