import { ApiError } from '@gatehouse/shared';
import { GatewayErrors } from '../../errors.js';
import type { Policy } from '../chain.js';
import { type CredentialsInUrlOptions, CredentialsInUrlOptionsSchema } from './schema.js';

/**
 * Credentials in a URL end up in browser history, proxy logs and Referer headers: refuse
 * them with 400 `credentials_in_url`, never forward them, and make sure no log line or
 * analytics event carries the value (events use `redactQuery`).
 */
export function credentialsInUrl(options: CredentialsInUrlOptions = {}): Policy {
  const opts = CredentialsInUrlOptionsSchema.parse(options);
  const names = new Set(opts.names.map((n) => n.toLowerCase()));
  return function credentialsInUrlPolicy(ctx) {
    if (ctx.query === '') return undefined;
    for (const pair of ctx.query.split('&')) {
      const eq = pair.indexOf('=');
      const rawName = eq === -1 ? pair : pair.slice(0, eq);
      let name: string;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' ')).toLowerCase();
      } catch {
        name = rawName.toLowerCase();
      }
      if (names.has(name)) {
        return new ApiError(GatewayErrors.credentials_in_url, { field: name });
      }
    }
    return undefined;
  };
}

/**
 * The path as logged and shipped: every query VALUE replaced, names kept. Query values are
 * user data that may hold secrets or personal data; the names are enough to group by.
 */
export function redactQuery(path: string, query: string): string {
  if (query === '') return path;
  const redacted = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq === -1 ? pair : `${pair.slice(0, eq)}=REDACTED`;
    })
    .join('&');
  return `${path}?${redacted}`;
}
