import { randomBytes } from 'node:crypto';

/**
 * Opaque public ids: a type prefix (`job_`, `rep_`, `sgn_` …) and 128 random bits in
 * base64url. The prefix tells a reader what a leaked or logged id points at.
 */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString('base64url')}`;
}
