import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { ApiError } from '@gatehouse/shared';
import type { Logger } from 'pino';
import { GatewayErrors } from '../errors.js';
import type { Policy } from '../policies/chain.js';
import { runChain } from '../policies/chain.js';
import type { Forwarder } from '../proxy/forwarder.js';
import type { RouteTable } from '../proxy/route-table.js';
import type { RouteTemplates } from '../proxy/route-templates.js';
import { createContext, type RequestContext } from './context.js';
import { sendError } from './respond.js';

/** A request the gateway answers itself instead of forwarding (e.g. `GET /v1/usage`). */
export type LocalHandler = (ctx: RequestContext) => Promise<void>;

export interface DataPlaneOptions {
  /** Runs before routing: request id, HSTS, capture, credentials in URL. */
  before: readonly Policy[];
  /** Runs after routing: body limit, auth-failure limit, auth, rate limit. */
  after: readonly Policy[];
  routes: RouteTable;
  templates: RouteTemplates;
  forwarder: Forwarder;
  /** Exact paths answered locally after every policy passed. */
  local: ReadonlyMap<string, LocalHandler>;
  logger: Logger;
  isDraining: () => boolean;
}

/**
 * The routing step as a policy: the route decides upstream, auth mode, scopes and limits; the
 * template (from the upstream's OpenAPI) names the endpoint for metrics and analytics.
 */
function routing(routes: RouteTable, templates: RouteTemplates): Policy {
  return function routingPolicy(ctx) {
    if (!isCleanPath(ctx.path)) return new ApiError(GatewayErrors.invalid_path);
    const match = routes.match(ctx.path, ctx.method);
    if (match instanceof ApiError) return match;
    ctx.route = match;
    ctx.routeTemplate = templates.match(ctx.path) ?? match.prefix;
    return undefined;
  };
}

const DOT_SEGMENT = /(^|\/)(\.|%2e){1,2}(\/|$)/i;

/**
 * Routes are matched on the raw path, so a path the upstream would normalise differently
 * (`/openapi.json/../v1/orders` matches the public route here and means `/v1/orders` there)
 * must never be forwarded: dot segments, plain or percent-encoded, are refused outright.
 */
export function isCleanPath(path: string): boolean {
  return path.startsWith('/') && !DOT_SEGMENT.test(path) && !path.includes('\\');
}

/** The `request` listener of the HTTPS server: the ordered policy chain, then the forwarder. */
export function createDataPlane(opts: DataPlaneOptions) {
  const chain: Policy[] = [...opts.before, routing(opts.routes, opts.templates), ...opts.after];

  function fail(ctx: RequestContext, error: unknown): void {
    if (!(error instanceof ApiError)) {
      opts.logger.error({ err: error, request_id: ctx.requestId }, 'data plane error');
    }
    sendError(ctx, error);
  }

  function proceed(ctx: RequestContext): void {
    const local = opts.local.get(ctx.path);
    if (local) {
      local(ctx).catch((error: unknown) => fail(ctx, error));
      return;
    }
    try {
      opts.forwarder.forward(ctx);
    } catch (error) {
      fail(ctx, error);
    }
  }

  return function handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const ctx = createContext(req, res, true, performance.now());
    if (opts.isDraining()) res.setHeader('connection', 'close');
    let result: ReturnType<typeof runChain>;
    try {
      result = runChain(chain, ctx);
    } catch (error) {
      fail(ctx, error);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (r) => (r ? fail(ctx, r) : proceed(ctx)),
        (error: unknown) => fail(ctx, error),
      );
    } else if (result) {
      fail(ctx, result);
    } else {
      proceed(ctx);
    }
  };
}
