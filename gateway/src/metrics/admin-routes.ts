import type express from 'express';
import { operatorAuth } from '../admin/http.js';
import type { GatewayMetrics } from './gateway-metrics.js';

/**
 * What the data plane mounts on GW-CONTROL's admin app (its `extraRoutes` hook): `/metrics`
 * (optionally behind the operator token) and the public JWKS the api verifies identity
 * tokens with.
 */
export function gatewayAdminRoutes(opts: {
  metrics: GatewayMetrics;
  /** The body of `/.well-known/jwks.json`. */
  jwks: unknown;
  adminToken: string;
  metricsRequireToken: boolean;
  /** Readiness: the key cache has loaded and the data plane is listening. */
  ready?: () => boolean;
  /** The exposition text; this process's registry by default (cluster: the aggregate). */
  collect?: () => Promise<string>;
}): (app: express.Express) => void {
  return (app) => {
    // Unauthenticated like /metrics' scrapers: probes and launchers must reach them without the token.
    app.get('/healthz', (_req, res) => {
      res.json({ status: 'ok' });
    });
    app.get('/readyz', (_req, res) => {
      const ready = opts.ready?.() ?? true;
      res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'starting' });
    });
    const guard = opts.metricsRequireToken
      ? [operatorAuth(opts.adminToken)]
      : ([] as express.RequestHandler[]);
    app.get('/metrics', ...guard, async (_req, res, next) => {
      try {
        const text = await (opts.collect ?? (() => opts.metrics.registry.metrics()))();
        res.setHeader('content-type', opts.metrics.registry.contentType);
        res.send(text);
      } catch (error) {
        next(error);
      }
    });
    app.get('/.well-known/jwks.json', (_req, res) => {
      res.setHeader('cache-control', 'public, max-age=300');
      res.json(opts.jwks);
    });
  };
}
