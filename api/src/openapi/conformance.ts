/**
 * Checks a response against the OpenAPI document: the path and method exist (else it must be
 * the 404/405 envelope), the status is documented for the operation, the content type is a
 * documented one, and the body conforms to the documented schema. Used by the test client so
 * that every response the suite receives is checked.
 */
import { ErrorEnvelopeSchema } from '@gatehouse/shared';
import { z } from 'zod';

type Json = Record<string, unknown>;

export interface ObservedResponse {
  method: string;
  path: string;
  status: number;
  contentType: string | null;
  body: string;
}

function inlineRefs(doc: Json, schema: unknown, seen: string[] = []): unknown {
  if (!schema || typeof schema !== 'object') return schema;
  if (Array.isArray(schema)) return schema.map((s) => inlineRefs(doc, s, seen));
  const s = schema as Json;
  if (typeof s.$ref === 'string') {
    const name = s.$ref.replace('#/components/schemas/', '');
    if (seen.includes(name)) throw new Error(`recursive schema ${name} is not supported`);
    const target = ((doc.components as Json).schemas as Json)[name];
    const { $ref: _ref, ...rest } = s;
    return { ...(inlineRefs(doc, target, [...seen, name]) as Json), ...rest };
  }
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, inlineRefs(doc, v, seen)]));
}

export function createConformanceChecker(doc: Json) {
  const paths = doc.paths as Record<string, Record<string, Json>>;
  const templates = Object.keys(paths).map((template) => ({
    template,
    regex: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    static: !template.includes('{'),
  }));
  const compiled = new Map<string, z.ZodType>();

  function validator(key: string, schema: unknown): z.ZodType {
    let v = compiled.get(key);
    if (!v) {
      v = z.fromJSONSchema(inlineRefs(doc, schema) as Parameters<typeof z.fromJSONSchema>[0], {
        defaultTarget: 'draft-2020-12',
      });
      compiled.set(key, v);
    }
    return v;
  }

  /** Returns the problems found; empty when the response conforms. */
  return function check(r: ObservedResponse): string[] {
    const problems: string[] = [];
    const where = `${r.method} ${r.path} → ${r.status}`;
    const rawPath = r.path.split('?')[0]!;
    let decoded = rawPath;
    try {
      decoded = decodeURI(rawPath);
    } catch {
      // not valid percent-encoding: match on the raw text
    }
    const pathname = decoded.replace(/(.)\/+$/, '$1').toLowerCase();
    const match =
      templates.find((t) => t.static && t.regex.test(pathname)) ??
      templates.find((t) => t.regex.test(pathname));
    const isEnvelope = () => {
      try {
        return ErrorEnvelopeSchema.safeParse(JSON.parse(r.body)).success;
      } catch {
        return false;
      }
    };
    if (!match) {
      if (r.status !== 404 && r.status !== 401)
        problems.push(`${where}: path not in the spec but status is not 404`);
      if (!isEnvelope())
        problems.push(`${where}: unknown path answered without the error envelope`);
      return problems;
    }
    const method = r.method.toLowerCase() === 'head' ? 'get' : r.method.toLowerCase();
    const op = paths[match.template]![method];
    if (!op) {
      if (r.method === 'OPTIONS' && r.status === 204) return problems;
      if (r.status !== 405 && r.status !== 401)
        problems.push(`${where}: method not in the spec but status is not 405`);
      if (!isEnvelope())
        problems.push(`${where}: wrong method answered without the error envelope`);
      return problems;
    }
    const responses = op.responses as Record<string, Json>;
    const spec = responses[String(r.status)];
    if (!spec) {
      problems.push(
        `${where}: status not documented for ${method.toUpperCase()} ${match.template}`,
      );
      return problems;
    }
    const content = spec.content as Record<string, Json> | undefined;
    if (!content) {
      if (r.body.length > 0 && r.method !== 'HEAD')
        problems.push(`${where}: documented without a body but has one`);
      return problems;
    }
    if (r.method === 'HEAD') return problems;
    const type = (r.contentType ?? '').split(';')[0]!.trim().toLowerCase();
    const media = content[type];
    if (!media) {
      problems.push(
        `${where}: content type ${type || '(none)'} not documented (${Object.keys(content).join(', ')})`,
      );
      return problems;
    }
    const v = validator(`${match.template} ${method} ${r.status} ${type}`, media.schema);
    const values: unknown[] = [];
    try {
      if (type === 'application/x-ndjson') {
        for (const line of r.body.split('\n')) if (line) values.push(JSON.parse(line));
      } else if (type.includes('json')) {
        values.push(JSON.parse(r.body));
      } else {
        values.push(r.body);
      }
    } catch {
      problems.push(`${where}: body is not valid ${type}`);
      return problems;
    }
    for (const value of values) {
      const result = v.safeParse(value);
      if (!result.success) {
        problems.push(
          `${where}: body does not match the schema: ${JSON.stringify(result.error.issues.slice(0, 3))}`,
        );
        break;
      }
    }
    return problems;
  };
}
