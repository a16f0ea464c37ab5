import { hkdfSync, randomBytes } from 'node:crypto';

/**
 * How long one session-ticket key is used. Short enough that a leaked key opens little traffic,
 * long against Node's 300 s ticket lifetime, so a rotation costs only the clients that resume
 * across it one full handshake.
 */
export const TICKET_KEY_PERIOD_MS = 12 * 3_600_000;

/** The 48 bytes Node's `setTicketKeys` takes (key name, HMAC key, AES key) for one period. */
export function ticketKeysFor(secret: string, period: number): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'gatehouse-tls-tickets', `period ${period}`, 48));
}

/** A secret for one gateway start when none is configured (the cluster primary makes it). */
export function newTicketSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * TLS session resumption across hosts, with keys that rotate. Node's own ticket keys are
 * random per cluster and never change, so a client resuming on another host got a full
 * handshake. Every process that shares the secret (a host's workers get the primary's) derives
 * the same key for the same period and switches at the period's end, so they all accept each
 * other's tickets.
 */
export function rotateTicketKeys(
  server: { setTicketKeys(keys: Buffer): void },
  secret: string,
  now: () => number = Date.now,
): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  const apply = () => {
    const t = now();
    const period = Math.floor(t / TICKET_KEY_PERIOD_MS);
    server.setTicketKeys(ticketKeysFor(secret, period));
    timer = setTimeout(apply, (period + 1) * TICKET_KEY_PERIOD_MS - t);
    timer.unref();
  };
  apply();
  return { stop: () => clearTimeout(timer) };
}
