import { ApiError } from '@gatehouse/shared';
import { Router } from 'express';
import type { Database } from '../db/database.js';
import { ApiErrors } from '../errors.js';
import { parseOr422 } from '../http/validate.js';
import { isStorableText } from '../orders/schemas.js';
import type { CallbackPolicy } from '../jobs/callback-policy.js';
import { createReport, getReport } from '../reports/service.js';
import { idempotentPost } from './idempotent-post.js';
import { ReportRequestSchema } from './report-schemas.js';
import { jsonResponse } from './respond.js';
import { RouteTable } from './route-table.js';

/** POST /v1/reports → 202 + status URL (the work is a durable job); GET /v1/reports/{id}. */
export function reportsRoutes(db: Database, policy: CallbackPolicy): Router {
  const table = new RouteTable(Router());
  table.on('post', '/v1/reports', async (req, res) => {
    await idempotentPost(db, req, res, async () => {
      const input = parseOr422(ReportRequestSchema, req.body);
      const report = await createReport(db, res.locals.customerId, input, policy);
      const statusUrl = `/v1/reports/${report.id}`;
      return jsonResponse(
        202,
        { job_id: report.id, status: report.status, status_url: statusUrl },
        { Location: statusUrl },
      );
    });
  });
  table.on('get', '/v1/reports/:id', async (req, res) => {
    const id = String(req.params.id);
    // An id PostgreSQL cannot even compare (NUL, lone surrogate) names no report.
    if (id.length > 128 || !isStorableText(id)) throw new ApiError(ApiErrors.report_not_found);
    const report = await getReport(db, res.locals.customerId, id);
    if (!report) throw new ApiError(ApiErrors.report_not_found);
    res.json(report);
  });
  return table.finish();
}
