/**
 * Contract fuzzing, what Schemathesis checks, from the OpenAPI documents the running services
 * serve: for EVERY operation of the orders API (through the gateway, with a key) and of the
 * admin API (directly, with the operator token), fast-check generates requests from the
 * documented parameters and body schema, valid and deliberately invalid, with a fixed seed and
 * a bounded number of runs. Every answer must be a non-5xx, documented status with a documented
 * content type and a body that matches its schema (the api's own conformance checker).
 */
import fc from 'fast-check';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConformanceChecker } from '../../api/src/openapi/conformance.js';
import { recordResult } from '../support/report.js';
import { type TestStack, startTestStack } from '../support/stack.js';

type Json = Record<string, unknown>;
type Schema = Json;

const SEED = 20_231_125;
const RUNS_PER_OPERATION = 30;

let stack: TestStack;
let agent: Agent;
/** Secrets this file used; the last test checks none reached a log line or ClickHouse row. */
const secrets: string[] = [];

// ---- JSON Schema → fast-check ------------------------------------------------------------------

function resolve(doc: Json, schema: unknown, depth = 0): Schema {
  const s = (schema ?? {}) as Schema;
  if (typeof s.$ref === 'string' && depth < 20) {
    const name = s.$ref.replace('#/components/schemas/', '');
    const target = ((doc.components as Json).schemas as Json)[name];
    const { $ref: _ref, ...rest } = s;
    return { ...resolve(doc, target, depth + 1), ...rest };
  }
  return s;
}

function isoDate(d: Date): string {
  return d.toISOString();
}
const dates = fc.date({
  min: new Date('2020-01-01T00:00:00Z'),
  max: new Date('2030-12-31T00:00:00Z'),
  noInvalidDate: true,
});

/** A generator of values that conform to `schema` (as far as a small generator can). */
function arbitraryOf(doc: Json, raw: unknown, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(doc, raw);
  if (depth > 6) return fc.constant(null);
  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  const alternatives = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
  if (Array.isArray(alternatives))
    return fc.oneof(...alternatives.map((a) => arbitraryOf(doc, a, depth + 1)));
  if (Array.isArray(s.allOf) && s.allOf.length === 1)
    return arbitraryOf(doc, s.allOf[0], depth + 1);
  let type = s.type as string | string[] | undefined;
  if (Array.isArray(type)) {
    const types = type;
    return fc.oneof(...types.map((t) => arbitraryOf(doc, { ...s, type: t }, depth + 1)));
  }
  if (type === undefined) type = s.properties ? 'object' : s.items ? 'array' : undefined;
  switch (type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
    case 'number': {
      const min =
        typeof s.minimum === 'number'
          ? s.minimum
          : typeof s.exclusiveMinimum === 'number'
            ? s.exclusiveMinimum + 1
            : -1_000_000;
      const max =
        typeof s.maximum === 'number'
          ? s.maximum
          : typeof s.exclusiveMaximum === 'number'
            ? s.exclusiveMaximum - 1
            : 1_000_000;
      return fc.integer({
        min: Math.max(Math.ceil(min), Number.MIN_SAFE_INTEGER),
        max: Math.min(Math.floor(max), Number.MAX_SAFE_INTEGER),
      });
    }
    case 'string': {
      if (s.format === 'date') return dates.map((d) => isoDate(d).slice(0, 10));
      if (s.format === 'date-time') return dates.map(isoDate);
      if (s.format === 'email') return fc.emailAddress();
      if (s.format === 'uri') return fc.webUrl();
      if (typeof s.pattern === 'string') {
        try {
          return fc.stringMatching(new RegExp(s.pattern)).filter((v) => v.length <= 255);
        } catch {
          // a pattern JavaScript cannot compile: fall through to plain strings
        }
      }
      const minLength = typeof s.minLength === 'number' ? s.minLength : 0;
      const maxLength = Math.min(typeof s.maxLength === 'number' ? s.maxLength : 40, 40);
      return fc.string({ minLength: Math.min(minLength, maxLength), maxLength, unit: 'grapheme' });
    }
    case 'array': {
      const minLength = typeof s.minItems === 'number' ? s.minItems : 0;
      const maxLength = Math.max(
        minLength,
        Math.min(typeof s.maxItems === 'number' ? s.maxItems : 3, 3),
      );
      return fc.array(arbitraryOf(doc, s.items, depth + 1), { minLength, maxLength });
    }
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, unknown>;
      const required = new Set((s.required ?? []) as string[]);
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(props)) record[k] = arbitraryOf(doc, v, depth + 1);
      return fc.record(record, { requiredKeys: [...required].filter((k) => k in props) });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

// ---- operations ---------------------------------------------------------------------------------

interface Param {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema?: unknown;
}
interface Operation {
  method: string;
  template: string;
  params: Param[];
  body?: unknown;
}

function operations(doc: Json): Operation[] {
  const out: Operation[] = [];
  for (const [template, item] of Object.entries(doc.paths as Record<string, Json>)) {
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const o = op as Json;
      const params = [
        ...(((item.parameters as Param[]) ?? []) as Param[]),
        ...(((o.parameters as Param[]) ?? []) as Param[]),
      ];
      const content = ((o.requestBody as Json | undefined)?.content ?? {}) as Record<string, Json>;
      out.push({
        method: method.toUpperCase(),
        template,
        params,
        body: content['application/json']?.schema,
      });
    }
  }
  return out;
}

interface Generated {
  path: string;
  body?: string;
  headers: Record<string, string>;
  kind: 'valid' | 'invalid';
}

/**
 * Requests for one operation: path parameters are a known existing id or arbitrary text; query
 * parameters and the body follow the schema, or are mutated (an unknown field, a missing
 * required field, a wrong type, not JSON at all).
 */
function requestsFor(
  doc: Json,
  op: Operation,
  known: Record<string, string[]>,
): fc.Arbitrary<Generated> {
  const pathParams = op.params.filter((p) => p.in === 'path');
  const queryParams = op.params.filter((p) => p.in === 'query');
  const pathArb = fc.record(
    Object.fromEntries(
      pathParams.map((p) => [
        p.name,
        fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(...(known[p.name] ?? ['x'])) },
          { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 30 }) },
        ),
      ]),
    ),
  );
  const queryArb = fc.record(
    Object.fromEntries(queryParams.map((p) => [p.name, arbitraryOf(doc, p.schema)])),
    { requiredKeys: queryParams.filter((p) => p.required).map((p) => p.name) },
  );
  const validBody = op.body === undefined ? fc.constant(undefined) : arbitraryOf(doc, op.body);
  const bodyKind = fc.constantFrom(
    'valid',
    'extra-field',
    'missing-field',
    'wrong-type',
    'not-json',
    'any-json',
  );
  const queryKind = fc.constantFrom('valid', 'valid', 'unknown-param', 'wrong-type');
  return fc
    .tuple(
      pathArb,
      queryArb,
      validBody,
      bodyKind,
      queryKind,
      fc.jsonValue({ maxDepth: 2 }),
      fc.string(),
    )
    .map(([pathValues, query, body, bk, qk, anyJson, text]) => {
      let p = op.template;
      for (const [k, v] of Object.entries(pathValues))
        p = p.replace(`{${k}}`, encodeURIComponent(String(v)));
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) {
        if (v === undefined || v === null) continue;
        qs.set(
          k,
          qk === 'wrong-type' ? `${String(v)}~x` : typeof v === 'string' ? v : JSON.stringify(v),
        );
      }
      if (qk === 'unknown-param') qs.set('fuzz_unknown', text || 'x');
      const q = qs.toString();
      const headers: Record<string, string> = {};
      let raw: string | undefined;
      let invalid = qk !== 'valid';
      if (op.body !== undefined) {
        headers['content-type'] = 'application/json';
        let value: unknown = body;
        if (bk !== 'valid') invalid = true;
        if (bk === 'extra-field' && value && typeof value === 'object' && !Array.isArray(value))
          value = { ...value, fuzz_unknown: anyJson };
        if (bk === 'missing-field' && value && typeof value === 'object' && !Array.isArray(value)) {
          const keys = Object.keys(value);
          if (keys.length > 0) {
            const { [keys[0] as string]: _drop, ...rest } = value as Json;
            value = rest;
          }
        }
        if (bk === 'wrong-type') value = Array.isArray(value) ? { value } : [value];
        if (bk === 'any-json') value = anyJson;
        raw = bk === 'not-json' ? `{${text}` : JSON.stringify(value ?? null);
      }
      return {
        path: q ? `${p}?${q}` : p,
        body: raw,
        headers,
        kind: invalid ? ('invalid' as const) : ('valid' as const),
      };
    });
}

interface Outcome {
  operation: string;
  cases: number;
  problems: string[];
  statuses: Record<number, number>;
}

async function fuzz(
  doc: Json,
  base: string,
  auth: string,
  known: Record<string, string[]>,
  dispatcherFor: (index: number) => Agent | undefined = () => undefined,
): Promise<Outcome[]> {
  const check = createConformanceChecker(doc);
  const outcomes: Outcome[] = [];
  for (const [index, op] of operations(doc).entries()) {
    const dispatcher = dispatcherFor(index);
    const outcome: Outcome = {
      operation: `${op.method} ${op.template}`,
      cases: 0,
      problems: [],
      statuses: {},
    };
    outcomes.push(outcome);
    const samples = fc.sample(requestsFor(doc, op, known), {
      seed: SEED,
      numRuns: RUNS_PER_OPERATION,
    });
    for (const [i, g] of samples.entries()) {
      outcome.cases++;
      const headers: Record<string, string> = { authorization: `Bearer ${auth}`, ...g.headers };
      if (op.method === 'POST') headers['idempotency-key'] = `fuzz-${op.template}-${i}`;
      const res = await request(`${base}${g.path}`, {
        method: op.method as 'GET',
        headers,
        body: g.body,
        dispatcher,
      });
      const text = await res.body.text();
      outcome.statuses[res.statusCode] = (outcome.statuses[res.statusCode] ?? 0) + 1;
      const where = `${g.kind} ${op.method} ${g.path.slice(0, 120)} ${g.body?.slice(0, 200) ?? ''}`;
      if (res.statusCode >= 500)
        outcome.problems.push(`${where} → ${res.statusCode} ${text.slice(0, 200)}`);
      const contentType = res.headers['content-type'];
      for (const p of check({
        method: op.method,
        path: g.path,
        status: res.statusCode,
        contentType: typeof contentType === 'string' ? contentType : null,
        body: text,
      }))
        outcome.problems.push(`${p} (${where})`);
    }
  }
  return outcomes;
}

async function json(
  url: string,
  init: { auth?: string; method?: string; body?: unknown; dispatcher?: Agent } = {},
) {
  const res = await request(url, {
    method: (init.method ?? 'GET') as 'GET',
    headers: {
      ...(init.auth ? { authorization: `Bearer ${init.auth}` } : {}),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    dispatcher: init.dispatcher,
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? (JSON.parse(text) as Json) : {} };
}

beforeAll(async () => {
  stack = await startTestStack();
  agent = new Agent({ connect: { ca: stack.caPem, servername: 'localhost' } });
});

afterAll(async () => {
  await agent?.close();
  await stack?.close();
});

function summarize(section: string, outcomes: Outcome[]) {
  const cases = outcomes.reduce((n, o) => n + o.cases, 0);
  const failed = outcomes.reduce((n, o) => n + Math.min(o.problems.length, o.cases), 0);
  recordResult('security', section, cases, cases - failed);
  return outcomes
    .filter((o) => o.problems.length > 0)
    .map((o) => `${o.operation}:\n  ${o.problems.slice(0, 5).join('\n  ')}`);
}

describe('contract fuzzing', () => {
  it('every operation of the orders API, through the gateway: no 5xx, only documented statuses, content types and bodies', async () => {
    const t = stack.adminToken;
    // A plan whose limits the fuzzer never reaches: 429s would be the gateway's, not the api's.
    const plan = await json(`${stack.adminUrl}/v1/plans`, {
      auth: t,
      method: 'POST',
      body: { name: 'fuzz', requests_per_minute: 10_000_000, burst: 1_000_000 },
    });
    expect(plan.status).toBe(201);
    const customer = await json(`${stack.adminUrl}/v1/customers`, {
      auth: t,
      method: 'POST',
      body: { name: 'Fuzz', plan: 'fuzz' },
    });
    const key = await json(`${stack.adminUrl}/v1/customers/${customer.body.id}/keys`, {
      auth: t,
      method: 'POST',
      body: {},
    });
    const secret = key.body.secret as string;
    secrets.push(secret);
    const doc = (await json(`${stack.gatewayUrl}/openapi.json`, { dispatcher: agent })).body;
    const order = await json(`${stack.gatewayUrl}/v1/orders`, {
      auth: secret,
      method: 'POST',
      body: { currency: 'EUR', items: [{ sku: 'F-1', quantity: 1, unit_price_cents: 100 }] },
      dispatcher: agent,
    });
    expect(order.status).toBe(201);
    const report = await json(`${stack.gatewayUrl}/v1/reports`, {
      auth: secret,
      method: 'POST',
      body: { from: '2026-01-01', to: '2026-01-02' },
      dispatcher: agent,
    });
    expect(report.status).toBe(202);
    const known = { id: [order.body.id as string, report.body.job_id as string] };

    // Each operation from its own loopback address: the gateway limits anonymous calls to
    // public routes per client IP (burst 100), which the fuzzer would otherwise exhaust.
    const agents = operations(doc).map(
      (_, i) =>
        new Agent({
          localAddress: `127.0.1.${i + 1}`,
          connect: { ca: stack.caPem, servername: 'localhost' },
        }),
    );
    const outcomes = await fuzz(doc, stack.gatewayUrl, secret, known, (i) => agents[i]).finally(
      () => Promise.all(agents.map((a) => a.close())),
    );
    const ops = operations(doc).map((o) => `${o.method} ${o.template}`);
    expect(outcomes.map((o) => o.operation)).toEqual(ops);
    expect(ops).toContain('POST /v1/orders');
    for (const o of outcomes) expect(o.cases, o.operation).toBe(RUNS_PER_OPERATION);
    // The generator reaches the happy path, not only validation errors.
    const created = outcomes.find((o) => o.operation === 'POST /v1/orders')?.statuses[201] ?? 0;
    expect(created).toBeGreaterThan(0);
    expect(summarize('Contract fuzzing: orders API (through the gateway)', outcomes)).toEqual([]);
  });

  it('every operation of the admin API: no 5xx, only documented statuses, content types and bodies', async () => {
    const t = stack.adminToken;
    const doc = (await json(`${stack.adminUrl}/openapi.json`)).body;
    // Path parameters point at a customer of its own, so revocations and plan changes the
    // fuzzer makes touch nothing else.
    const customer = await json(`${stack.adminUrl}/v1/customers`, {
      auth: t,
      method: 'POST',
      body: { name: 'Admin fuzz' },
    });
    const keys = [];
    for (let i = 0; i < 3; i++) {
      const k = await json(`${stack.adminUrl}/v1/customers/${customer.body.id}/keys`, {
        auth: t,
        method: 'POST',
        body: {},
      });
      keys.push(k.body.key_id as string);
    }
    const known = { id: [customer.body.id as string], key_id: keys, name: ['free', 'pro'] };
    const outcomes = await fuzz(doc, stack.adminUrl, t, known);
    const ops = operations(doc).map((o) => `${o.method} ${o.template}`);
    expect(ops).toContain('POST /v1/customers');
    for (const o of outcomes) expect(o.cases, o.operation).toBe(RUNS_PER_OPERATION);
    const created = outcomes.find((o) => o.operation === 'POST /v1/customers')?.statuses[201] ?? 0;
    expect(created).toBeGreaterThan(0);
    expect(summarize('Contract fuzzing: admin API', outcomes)).toEqual([]);
  });

  it('leaves no key secret or token in any log line or ClickHouse row', async () => {
    secrets.push(stack.adminToken, stack.ingestToken);
    expect(secrets).toHaveLength(3);
    // Wait until the collector stored the fuzzed requests (450 went through the gateway).
    const rows = await (async () => {
      for (let i = 0; i < 120; i++) {
        const res = await fetch(stack.clickhouseUrl, {
          method: 'POST',
          body: `SELECT * FROM ${stack.clickhouseDatabase}.requests FORMAT JSONEachRow`,
        });
        const text = await res.text();
        expect(res.status, text).toBe(200);
        if (text.split('\n').filter((l) => l.trim() !== '').length >= 450) return text;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error('the collector never stored the fuzzed requests');
    })();
    const logs = stack.logs.map((l) => l.line).join('\n');
    const found = secrets.filter((s) => logs.includes(s) || rows.includes(s));
    recordResult(
      'security',
      'Secrets in logs and analytics (contract fuzzing)',
      secrets.length,
      secrets.length - found.length,
    );
    expect(found.map((s) => `${s.slice(0, 10)}…`)).toEqual([]);
  });
});
