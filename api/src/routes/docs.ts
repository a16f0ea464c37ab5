import { createHash } from 'node:crypto';
import { Router } from 'express';
import { renderDocsPage } from '../openapi/docs-page.js';
import { openApiDocument } from '../openapi/document.js';
import { RouteTable } from './route-table.js';

/** /openapi.json (cacheable, with a content ETag) and /docs (HTML rendered from it). */
export function docsRoutes(): Router {
  const spec = JSON.stringify(openApiDocument());
  const specEtag = `"${createHash('sha256').update(spec).digest('base64url').slice(0, 27)}"`;
  const page = renderDocsPage(openApiDocument());
  const table = new RouteTable(Router());
  table.on('get', '/openapi.json', (req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.setHeader('ETag', specEtag);
    if (req.get('if-none-match') === specEtag) {
      res.status(304).end();
      return;
    }
    res.type('application/json').send(spec);
  });
  table.on('get', '/docs', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
    res.type('text/html').send(page);
  });
  return table.finish();
}
