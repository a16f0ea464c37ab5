import { type Response, Router } from 'express';
import type { Database } from '../db/database.js';
import { parseOr422 } from '../http/validate.js';
import { ExportOrdersQuerySchema } from '../orders/schemas.js';
import { toFilter } from '../orders/service.js';
import { exportQuery, type OrderRow, toOrder } from '../orders/store.js';
import { RouteTable } from './route-table.js';

export const EXPORT_BATCH_ROWS = 500;

/**
 * GET /v1/export/orders: every order of the caller as NDJSON, read through a server-side
 * cursor in batches and written with backpressure (waits for `drain` when the socket buffer
 * is full), so memory stays flat whatever the row count. A failure after the first byte
 * cuts the connection, so a truncated export can never look complete (each line ends in
 * `\n`; a complete export ends with one).
 */
export function exportRoutes(db: Database): Router {
  const table = new RouteTable(Router());
  table.on('get', '/v1/export/orders', async (req, res) => {
    const query = parseOr422(ExportOrdersQuerySchema, req.query);
    const { sql, params } = exportQuery(res.locals.customerId, toFilter(query));
    res.status(200);
    res.setHeader('Content-Type', 'application/x-ndjson; charset=utf-8');
    let aborted = false;
    res.on('close', () => {
      aborted = !res.writableFinished;
    });
    for await (const rows of db.cursor<OrderRow>(sql, params, EXPORT_BATCH_ROWS)) {
      if (aborted) break;
      let chunk = '';
      for (const row of rows) chunk += `${JSON.stringify(toOrder(row))}\n`;
      if (!res.write(chunk)) {
        await drainedOrClosed(res);
      }
    }
    if (!aborted) res.end();
  });
  return table.finish();
}

/** Resolves on `drain` or `close`, removing both listeners either way. */
function drainedOrClosed(res: Response): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed) return resolve();
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
