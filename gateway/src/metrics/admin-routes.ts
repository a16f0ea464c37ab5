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
}): (app: express.Express) => void {
  return (app) => {
    const guard = opts.metricsRequireToken
      ? [operatorAuth(opts.adminToken)]
      : ([] as express.RequestHandler[]);
    app.get('/metrics', ...guard, async (_req, res, next) => {
      try {
        const text = await opts.metrics.registry.metrics();
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
