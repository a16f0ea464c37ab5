import type { IncomingHttpHeaders } from 'node:http';
import { gunzipSync } from 'node:zlib';
import {
  EVENT_BATCH_CONTENT_TYPE,
  isValidRequestEvent,
  type RequestEvent,
  readEventBatch,
} from '@gatehouse/shared';

/**
 * The events of a POST the shipper made, read as the collector would read them: for the stub
 * collectors of tests that only need to know what arrived. Throws on anything but a readable event
 * batch of valid events, so a test fails on a body a real collector would refuse.
 */
export function eventsOfPost(headers: IncomingHttpHeaders, body: Buffer): RequestEvent[] {
  if (headers['content-type'] !== EVENT_BATCH_CONTENT_TYPE) {
    throw new Error(`expected an event batch, got content-type ${headers['content-type']}`);
  }
  const raw = headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
  const read = readEventBatch(raw);
  if (!read.ok) throw new Error(read.message);
  return read.events.map((e) => {
    if (!isValidRequestEvent(e)) throw new Error(`invalid event in batch: ${JSON.stringify(e)}`);
    return e;
  });
}

/** A valid event for shipper tests; `overrides` set what the test is about. */
export function testEvent(overrides: Partial<RequestEvent> = {}): RequestEvent {
  return {
    request_id: 'req_1',
    trace_id: '',
    ts_ms: 1_764_000_000_000,
    instance: 'gw:1',
    customer_id: 'cus_1',
    key_id: 'key_1',
    auth_method: 'api_key',
    method: 'GET',
    route: '/v1/orders',
    path: '/v1/orders',
    status: 200,
    error_code: '',
    latency_ms: 3,
    upstream_latency_ms: 2,
    bytes_in: 0,
    bytes_out: 10,
    client_ip: '127.0.0.1',
    user_agent: 'test',
    rate_limited: false,
    idempotency_key: false,
    idempotent_replayed: false,
    ...overrides,
  };
}
