import { Router } from 'express';
import { ApiError } from '@gatehouse/shared';
import type { Database } from '../db/database.js';
import { ApiErrors } from '../errors.js';
import { RouteTable } from './route-table.js';

/** /healthz: the process answers. /readyz: the database answers too (503 envelope otherwise). */
export function healthRoutes(db: Database, isShuttingDown: () => boolean): Router {
  const table = new RouteTable(Router());
  table.on('get', '/healthz', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok' });
  });
  table.on('get', '/readyz', async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    if (isShuttingDown()) {
      throw new ApiError(ApiErrors.service_unavailable, { message: 'Shutting down.' });
    }
    try {
      await db.ping();
    } catch (err) {
      throw new ApiError(ApiErrors.service_unavailable, {
        message: 'Database unreachable.',
        cause: err,
      });
    }
    res.json({ status: 'ready' });
  });
  return table.finish();
}
