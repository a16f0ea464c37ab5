import { ApiError } from '@gatehouse/shared';
import type { RouteConfig } from '../config.js';
import { GatewayErrors } from '../errors.js';

export interface MatchedRoute {
  readonly prefix: string;
  /** Upstream origin (`http://host:port`), no trailing slash. */
  readonly upstream: string;
  readonly auth: 'required' | 'public';
  readonly scopes: readonly string[];
  readonly methods: ReadonlySet<string> | undefined;
  readonly allowHeader: string;
  readonly rateLimit: RouteConfig['rateLimit'];
}

export interface RouteTable {
  /** The route for a path, or an ApiError (404 no route, 405 method not allowed). */
  match(path: string, method: string): MatchedRoute | ApiError;
  /** Every upstream origin the table points at (the forwarder keeps one pool each). */
  readonly upstreams: readonly string[];
}

/**
 * Longest prefix wins, matched on whole path segments so `/v1/orders` never captures
 * `/v1/ordersx`. Built once from the validated config; matching is a scan over a handful of
 * prefixes, cheaper than any trie at this size.
 */
export function createRouteTable(
  routes: readonly RouteConfig[],
  defaultUpstream: string,
): RouteTable {
  const compiled: MatchedRoute[] = routes
    .map((r) => {
      const prefix =
        r.prefix.length > 1 && r.prefix.endsWith('/') ? r.prefix.slice(0, -1) : r.prefix;
      const methods = r.methods ? new Set(r.methods.map((m) => m.toUpperCase())) : undefined;
      return {
        prefix,
        upstream: new URL(r.upstream ?? defaultUpstream).origin,
        auth: r.auth,
        scopes: r.scopes,
        methods,
        allowHeader: methods ? [...methods].join(', ') : '',
        rateLimit: r.rateLimit,
      };
    })
    .sort((a, b) => b.prefix.length - a.prefix.length);
  const seen = new Set<string>();
  for (const r of compiled) {
    if (seen.has(r.prefix)) throw new Error(`Route prefix "${r.prefix}" is configured twice.`);
    seen.add(r.prefix);
  }

  function prefixMatches(prefix: string, path: string): boolean {
    if (prefix === '/') return true;
    if (!path.startsWith(prefix)) return false;
    return path.length === prefix.length || path.charCodeAt(prefix.length) === 47; // '/'
  }

  return {
    upstreams: [...new Set(compiled.map((r) => r.upstream))],
    match(path, method) {
      for (const route of compiled) {
        if (!prefixMatches(route.prefix, path)) continue;
        if (route.methods && !route.methods.has(method)) {
          return new ApiError(GatewayErrors.method_not_allowed, {
            headers: { allow: route.allowHeader },
          });
        }
        return route;
      }
      return new ApiError(GatewayErrors.not_found);
    },
  };
}
