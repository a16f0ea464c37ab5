/**
 * Sends one notification per state change to each of a rule's targets: an Alertmanager
 * webhook body (`type: webhook`) or a Slack incoming-webhook payload (`type: slack`), signed
 * with HMAC-SHA256 when a secret is known, retried with exponential backoff on network errors,
 * 429 and 5xx. Other 4xx answers and refused addresses are final.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { formatDuration, type Metric, type Target } from './rule-schema.js';
import type { Transition } from './alerts-store.js';
import {
  ForbiddenAddressError,
  guardedLookup,
  type Resolver,
  refuseWebhookUrl,
} from './webhook-address.js';

export interface NotifierOptions {
  allowPrivate: boolean;
  /** Signs targets that have no secret of their own; undefined → those go unsigned. */
  defaultSecret?: string | undefined;
  timeoutMs: number;
  maxAttempts: number;
  /** First retry delay; doubles each attempt (capped at 30 s). */
  backoffMs: number;
  /** Base URL of the dashboard/collector for links in payloads (read when sending). */
  externalUrl: () => string;
  /** Name resolution (default `dns.lookup`); tests map names to chosen addresses. */
  resolve?: Resolver;
}

export interface DeliveryResult {
  url: string;
  type: Target['type'];
  ok: boolean;
  attempts: number;
  status?: number;
  error?: string;
}

export interface Notifier {
  notify(t: Transition, historyId: number): Promise<DeliveryResult[]>;
}

export const SIGNATURE_HEADER = 'x-gatehouse-signature';
export const TIMESTAMP_HEADER = 'x-gatehouse-timestamp';
export const DELIVERY_HEADER = 'x-gatehouse-delivery';

/** `sha256=<hex>` over `<timestamp>.<body>`: binding the time stops replays of old bodies. */
export function signPayload(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** For receivers (and tests): constant-time check of a signature header. */
export function verifySignature(
  secret: string,
  timestamp: string,
  body: string,
  header: string,
): boolean {
  const expected = Buffer.from(signPayload(secret, timestamp, body));
  const got = Buffer.from(header);
  return got.length === expected.length && timingSafeEqual(got, expected);
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

function labelsOf(t: Transition): Record<string, string> {
  const r = t.rule;
  const labels: Record<string, string> = {
    alertname: r.name,
    rule_id: r.id,
    severity: r.severity,
    kind: r.kind,
  };
  if (r.metric) labels.metric = r.metric;
  if (r.route !== null) labels.route = r.route;
  if (r.customer_id !== null) labels.customer_id = r.customer_id;
  return labels;
}

/** One line a person can read: what, where, how much. */
export function summaryOf(t: Transition): string {
  const r = t.rule;
  const where = [
    r.route !== null ? `route ${r.route}` : null,
    r.customer_id !== null ? `customer ${r.customer_id}` : null,
  ]
    .filter(Boolean)
    .join(', ');
  const scope = where || 'all traffic';
  const fmt = (v: number) =>
    r.kind === 'burn_rate'
      ? `${round(v)}× burn`
      : r.metric === 'p95_ms' || r.metric === 'p99_ms'
        ? `${round(v)} ms`
        : `${round(v * 100)}%`;
  const what =
    r.kind === 'burn_rate'
      ? `SLO ${round((r.objective ?? 0) * 100)}%`
      : METRIC_NAMES[r.metric ?? 'error_rate_5xx'];
  const verb = t.to === 'resolved' ? 'recovered' : 'is';
  const span =
    r.kind === 'burn_rate'
      ? `${t.requests} requests in the long window`
      : `${t.requests} requests in ${formatDuration(r.window_ms)}`;
  return `${what} on ${scope} ${verb} at ${fmt(t.value)} (threshold ${fmt(t.threshold)}, ${span})`;
}

const METRIC_NAMES: Record<Metric, string> = {
  error_rate_5xx: '5xx error rate',
  rate_4xx: '4xx rate',
  rate_429: '429 rate',
  p95_ms: 'p95 latency',
  p99_ms: 'p99 latency',
};

const round = (v: number) => Math.round(v * 100) / 100;

export function alertmanagerBody(t: Transition, externalUrl: string) {
  const labels = labelsOf(t);
  const status = t.to === 'resolved' ? 'resolved' : 'firing';
  const annotations = {
    summary: summaryOf(t),
    value: String(t.value),
    threshold: String(t.threshold),
    requests: String(t.requests),
  };
  const startsAt = new Date(t.firing_since_ms ?? t.at_ms).toISOString();
  return {
    version: '4',
    groupKey: `{}:{alertname=${JSON.stringify(t.rule.name)},rule_id=${JSON.stringify(t.rule.id)}}`,
    truncatedAlerts: 0,
    status,
    receiver: 'gatehouse',
    groupLabels: { alertname: t.rule.name },
    commonLabels: labels,
    commonAnnotations: annotations,
    externalURL: externalUrl,
    alerts: [
      {
        status,
        labels,
        annotations,
        startsAt,
        endsAt: status === 'resolved' ? new Date(t.at_ms).toISOString() : ZERO_TIME,
        generatorURL: `${externalUrl}/alerts`,
        fingerprint: t.rule.id,
      },
    ],
  };
}

export function slackBody(t: Transition, externalUrl: string) {
  const firing = t.to !== 'resolved';
  const icon = firing ? ':red_circle:' : ':large_green_circle:';
  const text = `${icon} *[${firing ? 'FIRING' : 'RESOLVED'}] ${t.rule.name}* (${t.rule.severity})\n${summaryOf(t)}\n<${externalUrl}/alerts|Open alerts>`;
  return { text };
}

export function createNotifier(options: NotifierOptions): Notifier {
  const lookup = guardedLookup(options.allowPrivate, options.resolve);

  function post(
    url: URL,
    body: string,
    headers: Record<string, string>,
  ): Promise<{ status: number }> {
    return new Promise((resolve, reject) => {
      const mod = url.protocol === 'https:' ? https : http;
      const req = mod.request(
        url,
        {
          method: 'POST',
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          lookup,
          timeout: options.timeoutMs,
          agent: false,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  async function deliver(
    target: Target,
    t: Transition,
    historyId: number,
  ): Promise<DeliveryResult> {
    const result: DeliveryResult = { url: target.url, type: target.type, ok: false, attempts: 0 };
    const refused = refuseWebhookUrl(target.url, options.allowPrivate);
    if (refused) {
      result.error = `target ${refused}`;
      return result;
    }
    const body = JSON.stringify(
      target.type === 'slack'
        ? slackBody(t, options.externalUrl())
        : alertmanagerBody(t, options.externalUrl()),
    );
    const secret = target.secret ?? options.defaultSecret;
    for (let attempt = 1; attempt <= options.maxAttempts; attempt++) {
      result.attempts = attempt;
      const timestamp = String(Math.floor(Date.now() / 1000));
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'gatehouse-collector-alerts',
        [DELIVERY_HEADER]: String(historyId),
        [TIMESTAMP_HEADER]: timestamp,
      };
      if (secret) headers[SIGNATURE_HEADER] = signPayload(secret, timestamp, body);
      let retry: boolean;
      try {
        const res = await post(new URL(target.url), body, headers);
        result.status = res.status;
        if (res.status >= 200 && res.status < 300) {
          result.ok = true;
          delete result.error;
          return result;
        }
        result.error = `answered ${res.status}`;
        retry = res.status === 429 || res.status >= 500;
      } catch (err) {
        result.error = (err as Error).message;
        retry =
          !(err instanceof ForbiddenAddressError) &&
          (err as { code?: string }).code !== 'ERR_WEBHOOK_ADDRESS_FORBIDDEN';
      }
      if (!retry || attempt === options.maxAttempts) break;
      const delay = Math.min(30_000, options.backoffMs * 2 ** (attempt - 1));
      await new Promise((r) => setTimeout(r, delay * (0.75 + Math.random() * 0.5)));
    }
    return result;
  }

  return {
    notify(t, historyId) {
      return Promise.all(t.rule.targets.map((target) => deliver(target, t, historyId)));
    },
  };
}
