import { ApiError } from '@gatehouse/shared';
import { GatewayErrors } from '../../errors.js';
import type { Policy } from '../chain.js';
import { type BodyLimitOptions, BodyLimitOptionsSchema } from './schema.js';

/**
 * Refuses a declared `Content-Length` over the limit before a byte of the body is read (the
 * listener then closes the connection instead of draining it). Chunked bodies have no declared
 * length: the forwarder counts them as they stream and cuts them at the same limit.
 */
export function bodyLimit(options: BodyLimitOptions = {}): Policy {
  const opts = BodyLimitOptionsSchema.parse(options);
  return function bodyLimitPolicy(ctx) {
    const declared = ctx.headers['content-length'];
    if (declared !== undefined && Number(declared) > opts.maxBytes) {
      return payloadTooLarge(opts.maxBytes);
    }
    return undefined;
  };
}

export function payloadTooLarge(maxBytes: number): ApiError {
  return new ApiError(GatewayErrors.payload_too_large, {
    details: { max_bytes: maxBytes },
    headers: { connection: 'close' },
  });
}
