/**
 * Renders and sends notifications: an Alertmanager webhook body (`type: webhook`) or a Slack
 * incoming-webhook payload (`type: slack`), signed with HMAC-SHA256 when a secret is known,
 * one attempt per `send`. Network errors, 429 and 5xx are worth retrying; other 4xx answers
 * and refused addresses are final. Retries, backoff and bookkeeping live in the outbox
 * (notification-outbox.ts, delivery-loop.ts).
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
  /** Base URL of the dashboard/collector for links in payloads (read when rendering). */
  externalUrl: () => string;
  /** Name resolution (default `dns.lookup`); tests map names to chosen addresses. */
  resolve?: Resolver;
}

/** One notification as the outbox holds it: the body is rendered once, so retries resend it. */
export interface OutgoingNotification {
  notification_id: string;
  history_id: number;
  target_type: Target['type'];
  url: string;
  /** The target's own secret; null → the default secret, if any. */
  secret: string | null;
  body: string;
}

/** The outcome of one attempt; `retry` says whether another attempt could succeed. */
export interface AttemptResult {
  ok: boolean;
  retry: boolean;
  status?: number;
  error?: string;
}

export interface Notifier {
  /** The body `target` gets for `t`, carrying the notification id where the payload allows. */
  render(target: Target, t: Transition, notificationId: string): string;
  /** One attempt (no retries: the delivery loop owns them, so they survive a restart). */
  send(n: OutgoingNotification): Promise<AttemptResult>;
}

export const SIGNATURE_HEADER = 'x-gatehouse-signature';
export const TIMESTAMP_HEADER = 'x-gatehouse-timestamp';
/** The history entry's id (older receivers use it; several targets share it). */
export const DELIVERY_HEADER = 'x-gatehouse-delivery';
/**
 * The dedup key: the same on every attempt of one notification, different for each target of
 * each state change. Delivery is at least once; a receiver drops ids it has seen.
 */
export const NOTIFICATION_ID_HEADER = 'gatehouse-notification-id';
/** The same key under the name generic receivers look for. */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

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

  return {
    render(target, t, notificationId) {
      const externalUrl = options.externalUrl();
      // Slack validates its payload and dedups nothing: the id rides only in the header there.
      return JSON.stringify(
        target.type === 'slack'
          ? slackBody(t, externalUrl)
          : { ...alertmanagerBody(t, externalUrl), notificationId },
      );
    },
    async send(n) {
      const refused = refuseWebhookUrl(n.url, options.allowPrivate);
      if (refused) return { ok: false, retry: false, error: `target ${refused}` };
      const secret = n.secret ?? options.defaultSecret;
      const timestamp = String(Math.floor(Date.now() / 1000));
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'gatehouse-collector-alerts',
        [DELIVERY_HEADER]: String(n.history_id),
        [NOTIFICATION_ID_HEADER]: n.notification_id,
        [IDEMPOTENCY_KEY_HEADER]: n.notification_id,
        [TIMESTAMP_HEADER]: timestamp,
      };
      if (secret) headers[SIGNATURE_HEADER] = signPayload(secret, timestamp, n.body);
      try {
        const res = await post(new URL(n.url), n.body, headers);
        if (res.status >= 200 && res.status < 300)
          return { ok: true, retry: false, status: res.status };
        return {
          ok: false,
          // Other 4xx answers mean the receiver refuses this request: sending it again won't help.
          retry: res.status === 429 || res.status >= 500,
          status: res.status,
          error: `answered ${res.status}`,
        };
      } catch (err) {
        return {
          ok: false,
          retry:
            !(err instanceof ForbiddenAddressError) &&
            (err as { code?: string }).code !== 'ERR_WEBHOOK_ADDRESS_FORBIDDEN',
          error: (err as Error).message,
        };
      }
    },
  };
}
