/** Serves the built dashboard at `/` with an SPA fallback to index.html (only if it was built). */
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';

const API_PREFIXES = ['/api/', '/v1/', '/metrics', '/healthz', '/readyz', '/openapi.json'];

export function dashboardRoutes(dir: string): Router | undefined {
  const index = path.join(dir, 'index.html');
  if (!existsSync(index)) return undefined;
  const router = Router();
  router.use(express.static(dir, { index: 'index.html', maxAge: '1h' }));
  router.get(/.*/, function spaFallback(req, res, next) {
    if (API_PREFIXES.some((p) => req.path.startsWith(p)) || !req.accepts('html')) {
      next();
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return router;
}
