/**
 * `POST /v1/events`: NDJSON or a binary event batch (either optionally gzip), ingest token,
 * all-or-nothing validation, and an acknowledgement only after ClickHouse stored the rows (or
 * already had them).
 */
import { ApiError, EVENT_BATCH_CONTENT_TYPE, type IngestResult } from '@gatehouse/shared';
import express, { Router } from 'express';
import { CollectorErrors } from '../errors.js';
import { bearerAuth } from '../http/bearer-auth.js';
import type { CollectorMetrics } from '../metrics.js';
import { type BatchWriter, QueueFullError } from './batch-writer.js';
import { parseEventBatchBody } from './event-batch.js';
import { parseNdjsonBatch } from './ndjson.js';

/**
 * Senders number their attempts at a batch (`1` = never sent before). Only batches that may have
 * reached ClickHouse already (attempt > 1, or no header) pay for the stored-id lookup.
 */
export const BATCH_ATTEMPT_HEADER = 'gatehouse-batch-attempt';

/**
 * How long a request may wait for room in the ingest queue before it is refused (503, retry).
 * Waiting happens before the body is read, so it costs a socket, not memory or CPU.
 */
export const ADMIT_WAIT_MS = 2000;

const NDJSON_TYPES = /^(application\/(x-ndjson|ndjson|jsonl|x-jsonlines|json)|text\/plain)\b/i;

/** The binary event batch's media type, parameters (if any) aside. */
function isEventBatchType(type: string | undefined): boolean {
  return (
    type !== undefined && type.split(';', 1)[0]!.trim().toLowerCase() === EVENT_BATCH_CONTENT_TYPE
  );
}

export interface EventsRouteOptions {
  writer: BatchWriter;
  metrics: CollectorMetrics;
  ingestToken: string;
  maxBodyBytes: number;
}

export function eventsRoute(options: EventsRouteOptions): Router {
  const router = Router();
  router.post(
    '/v1/events',
    bearerAuth(options.ingestToken, 'ingest'),
    function checkContentType(req, _res, next) {
      const type = req.get('content-type');
      if (type && !NDJSON_TYPES.test(type) && !isEventBatchType(type))
        next(new ApiError(CollectorErrors.unsupported_encoding));
      else next();
    },
    async function admit(_req, res, next) {
      const release = await options.writer.admit(ADMIT_WAIT_MS);
      if (!release) {
        next(new ApiError(CollectorErrors.ingest_overloaded, { headers: { 'Retry-After': '1' } }));
        return;
      }
      res.locals.releaseAdmission = release;
      res.once('close', release); // refused, failed or aborted: give the room back
      next();
    },
    // body-parser inflates gzip/deflate and applies the limit to the inflated size.
    express.raw({ type: () => true, limit: options.maxBodyBytes, inflate: true }),
    async function ingestEvents(req, res) {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const parsed = isEventBatchType(req.get('content-type'))
        ? parseEventBatchBody(body)
        : parseNdjsonBatch(body.toString('utf8'));
      if (!parsed.ok) {
        options.metrics.rowsRejected.inc(parsed.rejection.invalid_rows);
        throw new ApiError(CollectorErrors.invalid_events, { details: parsed.rejection });
      }
      let result: IngestResult;
      try {
        const written = options.writer.write(parsed.events, {
          firstAttempt: req.get(BATCH_ATTEMPT_HEADER) === '1',
        });
        // The rows are queued (or refused) now: they count in the queue, not in the reservation.
        (res.locals.releaseAdmission as () => void)();
        result = await written;
      } catch (err) {
        const spec =
          err instanceof QueueFullError
            ? CollectorErrors.ingest_overloaded
            : CollectorErrors.clickhouse_unavailable;
        throw new ApiError(spec, { headers: { 'Retry-After': '1' }, cause: err });
      }
      res.status(200).json(result);
    },
  );
  return router;
}
