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
