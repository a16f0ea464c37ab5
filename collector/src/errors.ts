/**
 * The collector's error catalogue, grouped by area. Callers throw
 * `new ApiError(CollectorErrors.<code>, …)`; the one error handler in `http/error-handler.ts`
 * renders the envelope. Nothing else defines error codes.
 */
import { CommonErrors, type ErrorSpec } from '@gatehouse/shared';

export const CollectorErrors = {
  ...CommonErrors,

  // ingest
  invalid_events: {
    code: 'invalid_events',
    status: 422,
    message:
      'Some events are invalid; nothing from this batch was stored. See details for each line.',
  },
  invalid_event_batch: {
    code: 'invalid_event_batch',
    status: 400,
    message: 'The body is not a readable event batch; nothing from it was stored.',
  },
  unsupported_event_batch_version: {
    code: 'unsupported_event_batch_version',
    status: 415,
    message: 'This collector cannot read this version of the event batch; upgrade the collector.',
  },
  unsupported_encoding: {
    code: 'unsupported_encoding',
    status: 415,
    message:
      'Send the body as NDJSON or as an event batch (application/vnd.gatehouse.event-batch), optionally with Content-Encoding: gzip.',
  },
  ingest_overloaded: {
    code: 'ingest_overloaded',
    status: 503,
    message: 'The ingest queue is full; retry the batch later.',
  },
  clickhouse_unavailable: {
    code: 'clickhouse_unavailable',
    status: 503,
    message: 'ClickHouse did not accept the batch; nothing was stored, retry later.',
  },

  // query API
  invalid_query: {
    code: 'invalid_query',
    status: 422,
    message: 'A query parameter is not valid.',
  },
  range_too_large: {
    code: 'range_too_large',
    status: 422,
    message: 'The time range is larger than this query allows; narrow it.',
  },
  request_not_found: {
    code: 'request_not_found',
    status: 404,
    message: 'No stored request has this id.',
  },

  // alerts
  invalid_rule: {
    code: 'invalid_rule',
    status: 422,
    message: 'The alert rule is not valid.',
  },
  rule_not_found: {
    code: 'rule_not_found',
    status: 404,
    message: 'No alert rule has this id.',
  },
  webhook_target_refused: {
    code: 'webhook_target_refused',
    status: 422,
    message:
      'Webhook targets must not point at loopback, private or link-local addresses (see ALERT_WEBHOOK_ALLOW_PRIVATE).',
  },
} as const satisfies Record<string, ErrorSpec>;
