import type { ApiError } from '@gatehouse/shared';
import type { RequestContext } from '../listener/context.js';

/**
 * A policy handler: `undefined` lets the request continue, an `ApiError` rejects it (the
 * listener writes the envelope). Synchronous where possible; only policies that must talk to
 * something (Redis, a JWKS) return a promise, so the common path never waits on a tick.
 */
export type PolicyResult = ApiError | undefined;
export type Policy = (ctx: RequestContext) => PolicyResult | Promise<PolicyResult>;

/** Runs the policies in order; stops at the first rejection. */
export function runChain(
  policies: readonly Policy[],
  ctx: RequestContext,
): PolicyResult | Promise<PolicyResult> {
  for (let i = 0; i < policies.length; i++) {
    const result = policies[i]!(ctx);
    if (result instanceof Promise)
      return result.then((r) => r ?? runChain(policies.slice(i + 1), ctx));
    if (result !== undefined) return result;
  }
  return undefined;
}
