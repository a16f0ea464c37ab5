import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import express from 'express';
import type { Logger } from 'pino';
import type { KeyCache } from '../keys/key-cache.js';
import type { GatewayStore } from '../store/gateway-store.js';
import type { AdminDeps } from './deps.js';
import {
  accessLog,
  cors,
  errorHandler,
  jsonBody,
  methodNotAllowed,
  notFound,
  operatorAuth,
  requestId,
} from './http.js';
import { customerRoutes } from './routes/customers.js';
import { keyRoutes } from './routes/keys.js';
import { planRoutes } from './routes/plans.js';

export const DEFAULT_ADMIN_CORS_ORIGINS = ['http://127.0.0.1:4000', 'http://localhost:4000'];

export interface AdminAppOptions {
  store: GatewayStore;
  /** This process's key cache: refreshed right after each write so it never lags itself. */
  cache?: KeyCache | undefined;
  /** `GATEHOUSE_ADMIN_TOKEN` (at least 16 characters). */
  adminToken: string;
  /** `ADMIN_CORS_ORIGINS`: browser origins allowed to call the API (the dashboard). */
  corsOrigins?: readonly string[] | undefined;
  /**
   * Mounted before operator auth, so these routes are public unless they protect themselves
   * (use `operatorAuth(token)` from ./http.js): `/metrics`, `/.well-known/jwks.json`.
   */
  extraRoutes?: ((app: express.Express) => void) | undefined;
  logger?: Logger | undefined;
}

/**
 * The admin API (port 8444): customers, plans and keys behind the operator token, JSON only,
 * OpenAPI 3.1 at `/openapi.json` generated from the same zod schemas that validate requests.
 */
export function createAdminApp(options: AdminAppOptions): express.Express {
  const auth = operatorAuth(options.adminToken);
  const { cache, logger } = options;
  const deps: AdminDeps = {
    store: options.store,
    afterWrite: async () => {
      // Best effort: the background refresh catches up anyway if this fails.
      await cache?.refresh().catch((error: unknown) => {
        logger?.warn({ err: error }, 'key cache refresh after an admin write failed');
      });
    },
  };

  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'operatorToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'The operator token (`GATEHOUSE_ADMIN_TOKEN`).',
  });
  const routers = [
    customerRoutes(deps, registry),
    keyRoutes(deps, registry),
    planRoutes(deps, registry),
  ];
  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Gatehouse gateway admin API',
      version: '1.0.0',
      description:
        'Customers, plans and API keys. Every error is `{"error": {"code", "message", "field"?, "request_id"}}`.',
    },
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(requestId(), accessLog(logger), cors(options.corsOrigins ?? DEFAULT_ADMIN_CORS_ORIGINS));
  options.extraRoutes?.(app);
  app
    .route('/openapi.json')
    .get(function openapi(_req, res) {
      res.json(document);
    })
    .all(methodNotAllowed(['GET']));
  app.use(auth, ...jsonBody());
  for (const router of routers) app.use(router);
  app.use(notFound());
  app.use(errorHandler(logger));
  return app;
}
