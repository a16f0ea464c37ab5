/**
 * `/api/v1/alerts/...` (operator token): rule CRUD, what fires now, and the history of state
 * changes. Bodies are validated by the schemas in rule-schema.ts; webhook targets pointing at
 * loopback/private addresses are refused here already (and again when sending).
 */
import { displayTargetUrl, isRedactedUrl, scrubUrls } from './target-url.js';
import { ApiError } from '@gatehouse/shared';
import express, { type Request, type RequestHandler, type Response, Router } from 'express';
import type { ErrorSpec } from '@gatehouse/shared';
import { z } from 'zod';
import { CollectorErrors } from '../errors.js';
import { bearerAuth } from '../http/bearer-auth.js';
import type { AlertsStore, HistoryRow, StoredState } from './alerts-store.js';
import { summaryOf } from './notifier.js';
import {
  type AlertRule,
  RuleInputSchema,
  RulePatchSchema,
  type RuleSpec,
  ruleToInput,
  ruleView,
} from './rule-schema.js';
import { refuseWebhookUrl } from './webhook-address.js';

export const HistoryQuery = z.object({
  rule_id: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z
    .string()
    .regex(/^\d{1,15}$/, 'cursor is not valid')
    .optional()
    .describe('`next_cursor` of the previous page.'),
});

function invalid(err: z.ZodError, code: ErrorSpec = CollectorErrors.invalid_rule): ApiError {
  const issue = err.issues[0]!;
  const field = issue.path.join('.');
  return new ApiError(code, {
    field: field || undefined,
    message: `${field || 'body'}: ${issue.message}`,
    details: err.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
  });
}

function handler(fn: (req: Request, res: Response) => Promise<unknown>): RequestHandler {
  return async function alertsHandler(req, res) {
    let body: unknown;
    try {
      body = await fn(req, res);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw new ApiError(CollectorErrors.service_unavailable, {
        message: 'The alert store did not answer; retry later.',
        cause: err,
      });
    }
    res.setHeader('Cache-Control', 'no-store');
    if (res.statusCode === 204) res.end();
    else res.json(body);
  };
}

/** JSON bodies only; parser failures become envelope errors instead of 500s. */
function jsonBody(): RequestHandler {
  const parse = express.json({ limit: '64kb', type: () => true });
  return function parseJson(req, res, next) {
    if (!req.is('application/json')) {
      next(new ApiError(CollectorErrors.unsupported_media_type));
      return;
    }
    parse(req, res, (err?: unknown) => {
      if (!err) return next();
      const e = err as { type?: string };
      if (e.type === 'entity.too.large')
        return next(new ApiError(CollectorErrors.payload_too_large));
      next(new ApiError(CollectorErrors.invalid_json));
    });
  };
}

/**
 * The `notification` field as before the outbox: per target `{url, type, ok, attempts, status?,
 * error?}` once every target is done, null while any is pending (entries written by older
 * versions keep what they stored). `deliveries` has the full picture.
 */
function legacyNotification(h: HistoryRow): unknown {
  if (h.deliveries.length === 0) {
    // Entries written before the outbox stored per-target results with the full URL.
    if (!Array.isArray(h.notification)) return h.notification ?? null;
    return h.notification.map((n: unknown) =>
      n && typeof n === 'object' && 'url' in n && typeof n.url === 'string'
        ? { ...n, url: displayTargetUrl(n.url) }
        : n,
    );
  }
  if (h.deliveries.some((d) => d.state === 'pending')) return null;
  return h.deliveries.map((d) => ({
    url: displayTargetUrl(d.url),
    type: d.type,
    ok: d.state === 'delivered',
    attempts: d.attempts,
    ...(d.last_status !== null ? { status: d.last_status } : {}),
    ...(d.last_error !== null ? { error: scrubUrls(d.last_error) } : {}),
  }));
}

export function alertRoutes(opts: {
  store: AlertsStore;
  adminToken: string;
  allowPrivateTargets: boolean;
}): Router {
  const { store } = opts;
  const router = Router();
  router.use('/api/v1/alerts', bearerAuth(opts.adminToken, 'query'));

  function checkTargets(spec: RuleSpec): void {
    for (const [i, t] of spec.targets.entries()) {
      // Responses show targets redacted; one sent back as input would break notifications.
      const why = isRedactedUrl(t.url)
        ? 'is a redacted URL from a response: send the full receiver URL'
        : refuseWebhookUrl(t.url, opts.allowPrivateTargets);
      if (why)
        throw new ApiError(CollectorErrors.webhook_target_refused, {
          field: `targets.${i}.url`,
          message: `targets.${i}.url ${why}.`,
        });
    }
  }

  async function mustGet(id: string): Promise<AlertRule> {
    const rule = id.length <= 64 ? await store.getRule(id) : undefined;
    if (!rule) throw new ApiError(CollectorErrors.rule_not_found);
    return rule;
  }

  const withState = (r: AlertRule, s: StoredState | undefined) => ({
    ...ruleView(r),
    state: s?.state ?? 'ok',
    state_since: s ? new Date(s.since_ms).toISOString() : null,
    value: s?.value ?? null,
    requests: s?.requests ?? null,
    evaluated_at: s ? new Date(s.evaluated_at_ms).toISOString() : null,
  });

  router.get(
    '/api/v1/alerts/rules',
    handler(async () => {
      const [rules, states] = await Promise.all([store.listRules(), store.states()]);
      return { items: rules.map((r) => withState(r, states.get(r.id))) };
    }),
  );

  router.post(
    '/api/v1/alerts/rules',
    jsonBody(),
    handler(async (req, res) => {
      const parsed = RuleInputSchema.safeParse(req.body);
      if (!parsed.success) throw invalid(parsed.error);
      checkTargets(parsed.data);
      const rule = await store.createRule(parsed.data);
      res.status(201).setHeader('Location', `/api/v1/alerts/rules/${rule.id}`);
      return withState(rule, undefined);
    }),
  );

  router.get(
    '/api/v1/alerts/rules/:id',
    handler(async (req) => {
      const rule = await mustGet(String(req.params.id));
      return withState(rule, (await store.states()).get(rule.id));
    }),
  );

  router.patch(
    '/api/v1/alerts/rules/:id',
    jsonBody(),
    handler(async (req) => {
      const rule = await mustGet(String(req.params.id));
      const patch = RulePatchSchema.safeParse(req.body);
      if (!patch.success) throw invalid(patch.error);
      // Only the fields sent: zod fills defaults for absent ones, which must not overwrite.
      const sent = Object.fromEntries(
        Object.entries(patch.data).filter(([k]) => Object.hasOwn(req.body as object, k)),
      );
      const merged = RuleInputSchema.safeParse({ ...ruleToInput(rule), ...sent });
      if (!merged.success) throw invalid(merged.error);
      checkTargets(merged.data);
      const updated = await store.updateRule(rule.id, merged.data);
      if (!updated) throw new ApiError(CollectorErrors.rule_not_found);
      return withState(updated, (await store.states()).get(rule.id));
    }),
  );

  router.delete(
    '/api/v1/alerts/rules/:id',
    handler(async (req, res) => {
      const id = String(req.params.id);
      if (id.length > 64 || !(await store.deleteRule(id)))
        throw new ApiError(CollectorErrors.rule_not_found);
      res.status(204);
    }),
  );

  router.get(
    '/api/v1/alerts/firing',
    handler(async () => {
      const [rules, states] = await Promise.all([store.listRules(), store.states()]);
      const items = [];
      for (const rule of rules) {
        const s = states.get(rule.id);
        if (!rule.enabled || s?.state !== 'firing') continue;
        const threshold =
          rule.kind === 'threshold' ? rule.threshold! : (rule.burn_windows?.[0]?.factor ?? 0);
        items.push({
          id: rule.id,
          rule_id: rule.id,
          name: rule.name,
          severity: rule.severity,
          state: 'firing',
          scope: ruleView(rule).scope,
          route: rule.route,
          customer_id: rule.customer_id,
          started_at: new Date(s.firing_since_ms ?? s.since_ms).toISOString(),
          value: s.value,
          threshold,
          requests: s.requests,
          evaluated_at: new Date(s.evaluated_at_ms).toISOString(),
          summary: summaryOf({
            rule,
            from: 'pending',
            to: 'firing',
            value: s.value,
            threshold,
            requests: s.requests,
            details: {},
            at_ms: s.evaluated_at_ms,
            firing_since_ms: s.firing_since_ms,
          }),
        });
      }
      return { items };
    }),
  );

  router.get(
    '/api/v1/alerts/history',
    handler(async (req) => {
      const parsed = HistoryQuery.safeParse(req.query);
      if (!parsed.success) throw invalid(parsed.error, CollectorErrors.invalid_query);
      const p = parsed.data;
      const rows = await store.history({
        ...(p.rule_id !== undefined ? { ruleId: p.rule_id } : {}),
        limit: p.limit + 1,
        ...(p.cursor !== undefined ? { beforeId: Number(p.cursor) } : {}),
      });
      const page = rows.slice(0, p.limit);
      const hasMore = rows.length > p.limit;
      return {
        items: page.map((h) => ({
          id: String(h.id),
          rule_id: h.rule_id,
          name: h.rule_name,
          severity: h.severity,
          from_state: h.from_state,
          to_state: h.to_state,
          state: h.to_state,
          value: h.value,
          threshold: h.threshold,
          requests: h.requests,
          details: h.details,
          at: h.at,
          notification: legacyNotification(h),
          deliveries: h.deliveries.map((d) => ({
            ...d,
            url: displayTargetUrl(d.url),
            last_error: d.last_error === null ? null : scrubUrls(d.last_error),
          })),
        })),
        has_more: hasMore,
        next_cursor: hasMore ? String(page[page.length - 1]!.id) : null,
      };
    }),
  );

  return router;
}
