/**
 * /docs: a self-contained HTML page rendered on the server from the OpenAPI document. No
 * script or stylesheet is fetched from anywhere (the api may run with no internet), and the
 * page has no script at all, so a strict Content-Security-Policy applies.
 */

type Json = Record<string, unknown>;

function esc(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function resolve(doc: Json, schema: unknown, depth = 0): unknown {
  if (!schema || typeof schema !== 'object' || depth > 8) return schema;
  if (Array.isArray(schema)) return schema.map((s) => resolve(doc, s, depth + 1));
  const s = schema as Json;
  if (typeof s.$ref === 'string') {
    const name = s.$ref.split('/').pop() ?? '';
    const components = (doc.components as Json | undefined)?.schemas as Json | undefined;
    return { title: name, ...(resolve(doc, components?.[name], depth + 1) as Json) };
  }
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, resolve(doc, v, depth + 1)]));
}

function schemaBlock(doc: Json, schema: unknown): string {
  return `<pre>${esc(JSON.stringify(resolve(doc, schema), null, 2))}</pre>`;
}

export function renderDocsPage(doc: Json): string {
  const info = (doc.info ?? {}) as Json;
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Json>>;
  const toc: string[] = [];
  const sections: string[] = [];
  for (const [path, ops] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const anchor = `${method}-${path}`.replace(/[^a-zA-Z0-9]+/g, '-');
      toc.push(
        `<li><a href="#${anchor}"><code>${esc(method.toUpperCase())} ${esc(path)}</code></a> ${esc(op.summary ?? '')}</li>`,
      );
      const params = ((op.parameters ?? []) as Json[])
        .map(
          (p) =>
            `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td><td>${p.required ? 'yes' : 'no'}</td><td>${esc(
              (p.description as string | undefined) ??
                ((p.schema as Json | undefined)?.description as string | undefined) ??
                '',
            )}</td><td><code>${esc(JSON.stringify(p.schema ?? {}))}</code></td></tr>`,
        )
        .join('');
      const reqBody = (op.requestBody as Json | undefined)?.content as
        | Record<string, Json>
        | undefined;
      const responses = Object.entries((op.responses ?? {}) as Record<string, Json>)
        .map(([status, r]) => {
          const content = r.content as Record<string, Json> | undefined;
          const media = content ? Object.entries(content) : [];
          return `<details><summary><strong>${esc(status)}</strong> ${esc(r.description ?? '')}</summary>${media
            .map(([type, m]) => `<p><code>${esc(type)}</code></p>${schemaBlock(doc, m.schema)}`)
            .join('')}</details>`;
        })
        .join('');
      sections.push(`<section id="${anchor}">
<h2><span class="m">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h2>
<p>${esc(op.summary ?? '')}</p>${op.description ? `<p>${esc(op.description)}</p>` : ''}
${params ? `<h3>Parameters</h3><table><tr><th>name</th><th>in</th><th>required</th><th>description</th><th>schema</th></tr>${params}</table>` : ''}
${
  reqBody
    ? `<h3>Request body</h3>${Object.entries(reqBody)
        .map(([type, m]) => `<p><code>${esc(type)}</code></p>${schemaBlock(doc, m.schema)}`)
        .join('')}`
    : ''
}
<h3>Responses</h3>${responses}
</section>`);
    }
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(info.title ?? 'API')}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1b1f24}
code,pre{font-family:ui-monospace,monospace;font-size:13px}pre{background:#f4f5f7;padding:.75rem;overflow:auto}
section{border-top:1px solid #ddd;margin-top:1.5rem}.m{background:#1b1f24;color:#fff;padding:0 .4rem;border-radius:3px}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}
</style></head><body>
<h1>${esc(info.title ?? 'API')} <small>${esc(info.version ?? '')}</small></h1>
<p>${esc(info.description ?? '')}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${esc(doc.openapi)}).</p>
<h2>Operations</h2><ul>${toc.join('')}</ul>
${sections.join('\n')}
</body></html>`;
}
