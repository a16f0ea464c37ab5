import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import {
  type CallbackPolicy,
  checkCallbackUrl,
  type ResolvedAddress,
  type Resolver,
  systemResolver,
} from './callback-policy.js';

/**
 * Signed webhook delivery. The receiver verifies
 *   Gatehouse-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 * and rejects old timestamps, which stops replays of a captured request. Deliveries are at
 * least once; `Gatehouse-Delivery` (the job id) is stable across retries for deduplication.
 */
export const SIGNATURE_HEADER = 'Gatehouse-Signature';

export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** Receiver side (used by tests and documented for integrators). */
export function verifySignature(
  secret: string,
  header: string | undefined,
  body: string,
  { nowSeconds = Math.floor(Date.now() / 1000), toleranceSeconds = 300 } = {},
): boolean {
  if (!header) return false;
  const parts = new Map(
    header.split(',').map((kv) => {
      const i = kv.indexOf('=');
      return [kv.slice(0, i).trim(), kv.slice(i + 1).trim()] as const;
    }),
  );
  const t = Number(parts.get('t'));
  const given = parts.get('v1') ?? '';
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = signatureHeader(secret, body, t).split('v1=')[1]!;
  const a = Buffer.from(expected, 'hex');
  const b = Buffer.from(given, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

export class WebhookError extends Error {
  override name = 'WebhookError';
  /** A retry cannot succeed (address refused, redirect). */
  readonly permanent: boolean;
  constructor(message: string, permanent: boolean) {
    super(message);
    this.permanent = permanent;
  }
}

export interface DeliverOptions {
  policy: CallbackPolicy;
  event: string;
  deliveryId: string;
  timeoutMs?: number;
  resolve?: Resolver;
}

/**
 * POSTs `body` to `rawUrl`. The host is resolved and checked again here (it may point
 * somewhere else than at creation), and the connection is pinned to exactly the addresses
 * that passed the check, so a second DNS answer cannot slip in between check and connect.
 * Redirects are not followed: a 3xx is a permanent failure. Any other non-2xx, a timeout or
 * a network error is retryable.
 */
export async function deliverWebhook(
  rawUrl: string,
  body: string,
  opts: DeliverOptions,
): Promise<{ status: number }> {
  let checked: Awaited<ReturnType<typeof checkCallbackUrl>>;
  try {
    checked = await checkCallbackUrl(rawUrl, opts.policy, opts.resolve ?? systemResolver);
  } catch (err) {
    throw new WebhookError(`callback refused at delivery: ${(err as Error).message}`, true);
  }
  const { url, addresses } = checked;
  const t = Math.floor(Date.now() / 1000);
  const client = url.protocol === 'https:' ? https : http;
  const timeoutMs = opts.timeoutMs ?? 10_000;

  const status = await new Promise<number>((resolve, reject) => {
    const req = client.request(
      url,
      {
        method: 'POST',
        lookup: pinnedLookup(addresses),
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'Gatehouse-Webhook/1',
          'gatehouse-event': opts.event,
          'gatehouse-delivery': opts.deliveryId,
          [SIGNATURE_HEADER.toLowerCase()]: signatureHeader(opts.policy.signingSecret, body, t),
        },
        signal: AbortSignal.timeout(timeoutMs),
        agent: false,
      },
      (res) => {
        // The answer's body is not needed; drain it so the socket closes.
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  }).catch((err: Error) => {
    throw new WebhookError(`callback delivery failed: ${err.message}`, false);
  });

  if (status >= 200 && status < 300) return { status };
  if (status >= 300 && status < 400) {
    throw new WebhookError(`callback answered ${status}; redirects are not followed`, true);
  }
  throw new WebhookError(`callback answered ${status}`, false);
}

function pinnedLookup(addresses: ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const family = typeof options === 'object' ? options.family : undefined;
    const usable = addresses.filter((a) => !family || a.family === family);
    const list = usable.length > 0 ? usable : addresses;
    if (typeof options === 'object' && options.all) {
      // biome-ignore lint/suspicious/noExplicitAny: node's LookupFunction callback is overloaded
      (callback as any)(null, list);
    } else {
      callback(null, list[0]!.address, list[0]!.family);
    }
  };
}
