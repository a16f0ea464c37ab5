/**
 * The all-or-nothing verdict on one ingest batch, whatever its body format (NDJSON lines in
 * ndjson.ts, the binary event batch in event-batch.ts): every event is judged by the shared
 * schema, valid ones are encoded for ClickHouse right away while the batch is still whole, and
 * invalid ones are listed by their 1-based position in the body (the NDJSON line, the batch's
 * event), which the gateway's shipper uses to drop exactly those events and resend the rest.
 */
import {
  type IngestRejection,
  isValidRequestEvent,
  RequestEventSchema,
  type RequestEvent,
} from '@gatehouse/shared';
import { addEncoded, type EncodedEvents, encodeEvent } from '../clickhouse/requests-store.js';

/** Reasons listed per refused batch; the count covers all of them. */
export const MAX_LISTED_REASONS = 100;

export type ParseResult =
  | { ok: true; events: EncodedEvents }
  | { ok: false; rejection: IngestRejection };

export class BatchValidation {
  // Each valid event is encoded right away: the parsed object is garbage before it leaves the
  // young generation, and the queue holds only the id and the line.
  private readonly events: EncodedEvents = {
    ids: [],
    lines: [],
    minTsMs: Number.POSITIVE_INFINITY,
    maxTsMs: 0,
  };
  private readonly rows: IngestRejection['rows'] = [];
  private invalid = 0;

  /** An event already proved valid, with its ClickHouse line (the NDJSON fast path). */
  accept(event: RequestEvent, clickhouseLine: string): void {
    if (this.invalid === 0) addEncoded(this.events, event, clickhouseLine);
  }

  /**
   * Judges the event at `position`. The hand-written check accepts only values zod would return
   * unchanged, at a fraction of its cost; zod still judges every value it declines and words the
   * reasons. `knownWellFormed`: the value's strings hold no lone surrogate (see `encodeEvent`).
   */
  judge(position: number, value: unknown, knownWellFormed: boolean): void {
    if (isValidRequestEvent(value)) {
      if (this.invalid === 0) addEncoded(this.events, value, encodeEvent(value, knownWellFormed));
      return;
    }
    const parsed = RequestEventSchema.safeParse(value);
    if (parsed.success) {
      if (this.invalid === 0) addEncoded(this.events, parsed.data, encodeEvent(parsed.data));
      return;
    }
    const issue = parsed.error.issues[0]!;
    this.refuse(position, issue.message, issue.path.join('.') || undefined);
  }

  /** Refuses the event at `position` (and with it the batch). */
  refuse(position: number, message: string, field?: string): void {
    this.invalid += 1;
    if (this.rows.length < MAX_LISTED_REASONS) {
      this.rows.push(
        field === undefined ? { line: position, message } : { line: position, field, message },
      );
    }
  }

  result(): ParseResult {
    if (this.invalid === 0) return { ok: true, events: this.events };
    return {
      ok: false,
      rejection: {
        invalid_rows: this.invalid,
        rows: this.rows,
        truncated: this.invalid > this.rows.length,
      },
    };
  }
}
