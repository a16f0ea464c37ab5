import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { ApiError } from '@gatehouse/shared';
import { ApiErrors } from '../errors.js';
import { isForbiddenAddress } from '@gatehouse/shared/address-policy';

/**
 * Where webhooks may go and how they are signed. `allowPrivate` lets tests (and operators
 * with an internal receiver) call back to loopback and private addresses; it is off by
 * default (env CALLBACK_ALLOW_PRIVATE).
 */
export interface CallbackPolicy {
  allowPrivate: boolean;
  signingSecret: string;
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) => {
  const all = await dnsLookup(hostname, { all: true, verbatim: true });
  return all.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

export interface CheckedCallback {
  url: URL;
  /** The addresses that were checked; delivery connects to these and nothing else. */
  addresses: ResolvedAddress[];
}

/**
 * Validates a callback URL and resolves its host: http(s) only, no credentials in the URL,
 * and every address the name resolves to must be public (one private answer is enough to
 * refuse: a client could otherwise pick it). Throws ApiError `callback_url_not_allowed`
 * (422, field `callback_url`). Called when the report is created and again right before
 * each delivery, because what a name resolves to can change in between (DNS rebinding).
 */
export async function checkCallbackUrl(
  raw: string,
  policy: Pick<CallbackPolicy, 'allowPrivate'>,
  resolve: Resolver = systemResolver,
): Promise<CheckedCallback> {
  const refuse = (message: string) =>
    new ApiError(ApiErrors.callback_url_not_allowed, { message, field: 'callback_url' });
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse('The callback URL is not a valid absolute URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw refuse('The callback URL must use http or https.');
  }
  if (url.username || url.password) {
    throw refuse('The callback URL must not carry credentials.');
  }
  // WHATWG URL has already normalised odd IPv4 spellings (0x7f.1, 2130706433) to dotted form.
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  let addresses: ResolvedAddress[];
  if (isIP(host)) {
    addresses = [{ address: host, family: isIP(host) === 6 ? 6 : 4 }];
  } else {
    try {
      addresses = await resolve(host);
    } catch {
      throw refuse(`The callback host ${host} does not resolve.`);
    }
    if (addresses.length === 0) throw refuse(`The callback host ${host} does not resolve.`);
  }
  if (!policy.allowPrivate) {
    const bad = addresses.find((a) => isForbiddenAddress(a.address));
    if (bad) {
      throw refuse(
        `The callback host ${host} resolves to ${bad.address}, a loopback, private or otherwise non-public address.`,
      );
    }
  }
  return { url, addresses };
}
