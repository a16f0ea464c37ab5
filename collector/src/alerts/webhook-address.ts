/**
 * Where alert webhooks may go. A rule's target URL comes from an operator, but the collector
 * sits inside the network: a URL pointing at loopback, a private range or the cloud metadata
 * address would turn the notifier into a request forwarder (SSRF). Targets are checked when a
 * rule is saved (literal addresses, `localhost`) and again on every send, on the addresses the
 * name resolves to, with the connection pinned to the vetted address (no DNS rebinding).
 * `ALERT_WEBHOOK_ALLOW_PRIVATE=true` lifts the rule (local receivers, tests).
 *
 * The address classification is shared with the api's callback guard (packages/shared).
 */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { isForbiddenAddress } from '@gatehouse/shared/address-policy';

/** Why a URL may not be used, or undefined when it may (before DNS). */
export function refuseWebhookUrl(raw: string, allowPrivate: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be http or https';
  if (url.username || url.password) return 'must not carry credentials (use the secret)';
  if (allowPrivate) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return 'points at this machine';
  if (isIP(host) && isForbiddenAddress(host)) return 'points at a loopback or private address';
  return undefined;
}

/** `dns.lookup` with `all: true` (injectable so tests can map names to chosen addresses). */
export type Resolver = (
  hostname: string,
  options: LookupAllOptions,
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

export class ForbiddenAddressError extends Error {
  override name = 'ForbiddenAddressError';
  readonly code = 'ERR_WEBHOOK_ADDRESS_FORBIDDEN';
}

/**
 * A `lookup` for http.request: resolves like the default, then refuses the connection when
 * any resolved address is forbidden. The socket connects to the address checked here.
 */
export function guardedLookup(
  allowPrivate: boolean,
  resolve: Resolver = dnsLookup as unknown as Resolver,
): LookupFunction {
  return function lookupChecked(hostname, options, callback) {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses ?? [];
      const bad = allowPrivate ? undefined : list.find((a) => isForbiddenAddress(a.address));
      if (bad)
        return callback(
          new ForbiddenAddressError(
            `webhook host ${hostname} resolves to ${bad.address}, a loopback or private address (set ALERT_WEBHOOK_ALLOW_PRIVATE=true to allow)`,
          ),
          '',
          0,
        );
      if (list.length === 0) return callback(new Error(`no address for ${hostname}`), '', 0);
      if ((options as { all?: boolean }).all) {
        (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
        return;
      }
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
}
