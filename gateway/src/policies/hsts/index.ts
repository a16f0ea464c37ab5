import type { Policy } from '../chain.js';
import { type HstsOptions, HstsOptionsSchema } from './schema.js';

/**
 * `Strict-Transport-Security` on every HTTPS response, rejections included, so a browser that
 * reached the gateway once never tries plain HTTP again. Never sent over plain HTTP (RFC 6797
 * says user agents must ignore it there; the plain port never reaches this chain anyway).
 * Also `X-Content-Type-Options: nosniff` on every response, so a browser never second-guesses
 * a JSON body (or an upstream's) as HTML or script (OWASP API8).
 */
export function hsts(options: HstsOptions = {}): Policy {
  const opts = HstsOptionsSchema.parse(options);
  const value = `max-age=${opts.maxAgeSeconds}${opts.includeSubDomains ? '; includeSubDomains' : ''}`;
  return function hstsPolicy(ctx) {
    if (ctx.secure) ctx.responseHeaders['strict-transport-security'] = value;
    ctx.responseHeaders['x-content-type-options'] = 'nosniff';
    return undefined;
  };
}
