import type { AlertDelivery, AlertHistoryEntry } from '../../api/analytics/getAlerts.js';
import { formatTime } from '../../utils/format.js';

/**
 * A target URL as the page may show it: scheme and host (with port), plus the first path
 * segment only when it reads like a word. Everything else can be a credential: Slack puts the
 * webhook's secret in its path (`/services/T…/B…/<secret>`), other receivers use query tokens
 * or `user:password@`. So `https://hooks.slack.com/services/…`, never more.
 */
export function targetLabel(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'unreadable URL';
  }
  const origin = `${u.protocol}//${u.host}`;
  const segments = u.pathname.split('/').filter(Boolean);
  const first = segments[0];
  if (first === undefined) return u.search ? `${origin}/…` : origin;
  if (!/^[a-z][a-z._-]{0,15}$/i.test(first)) return `${origin}/…`;
  return segments.length === 1 && !u.search ? `${origin}/${first}` : `${origin}/${first}/…`;
}

const URL_IN_TEXT = /\bhttps?:\/\/[^\s"'<>]+/gi;
const MAX_ERROR_CHARS = 200;

/** A receiver's error text with any URL in it cut down by `targetLabel`, and kept short. */
export function scrubError(text: string): string {
  const scrubbed = text.replace(URL_IN_TEXT, (u) => targetLabel(u));
  return scrubbed.length > MAX_ERROR_CHARS ? `${scrubbed.slice(0, MAX_ERROR_CHARS)}…` : scrubbed;
}

interface LegacyResult {
  url?: unknown;
  type?: unknown;
  ok?: unknown;
  attempts?: unknown;
  status?: unknown;
  error?: unknown;
}

/**
 * The deliveries of one history entry: the outbox's rows, or for entries written before the
 * outbox, the `notification` results they stored (delivered or failed, never pending).
 */
export function deliveriesOf(h: AlertHistoryEntry): AlertDelivery[] {
  if (h.deliveries && h.deliveries.length > 0) return h.deliveries;
  if (!Array.isArray(h.notification)) return [];
  return (h.notification as LegacyResult[]).flatMap((r, i): AlertDelivery[] => {
    if (typeof r !== 'object' || r === null || typeof r.url !== 'string') return [];
    return [
      {
        notification_id: `${h.id}-${i}`,
        type: r.type === 'slack' ? 'slack' : 'webhook',
        url: r.url,
        state: r.ok === true ? 'delivered' : 'failed',
        attempts: typeof r.attempts === 'number' ? r.attempts : 1,
        last_status: typeof r.status === 'number' ? r.status : null,
        last_error: typeof r.error === 'string' ? r.error : null,
        created_at: h.at,
        last_attempt_at: null,
        next_attempt_at: null,
        finished_at: null,
      },
    ];
  });
}

export type DeliveryTone = 'delivered' | 'queued' | 'retrying' | 'failed';

export interface DeliveryView {
  tone: DeliveryTone;
  /** The headline: what happened to this notification. */
  status: string;
  /** What went wrong last (scrubbed), or null. */
  problem: string | null;
  target: string;
}

/** A due time as on-call people read it: the clock time today, with the date otherwise. */
export function formatDue(iso: string, now = new Date()): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  return t.toDateString() === now.toDateString()
    ? t.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' })
    : formatTime(t.getTime());
}

const attemptsText = (n: number) => `${n} attempt${n === 1 ? '' : 's'}`;

/** The last failure as one line: the receiver's status if the error text does not say it. */
function lastProblem(d: AlertDelivery): string | null {
  const error = d.last_error ? scrubError(d.last_error) : null;
  const status =
    d.last_status !== null && !error?.includes(String(d.last_status))
      ? `HTTP ${d.last_status}`
      : null;
  return [status, error].filter(Boolean).join(': ') || null;
}

/** One delivery as the history shows it. */
export function describeDelivery(d: AlertDelivery): DeliveryView {
  const target = `${d.type} ${targetLabel(d.url)}`;
  if (d.state === 'delivered') {
    return {
      tone: 'delivered',
      status: d.attempts > 1 ? `delivered after ${attemptsText(d.attempts)}` : 'delivered',
      problem: null,
      target,
    };
  }
  if (d.state === 'failed') {
    return {
      tone: 'failed',
      status:
        d.attempts > 0
          ? `NOT delivered: gave up after ${attemptsText(d.attempts)}`
          : 'NOT delivered: gave up',
      problem: lastProblem(d),
      target,
    };
  }
  if (d.attempts === 0) {
    return { tone: 'queued', status: 'queued, not sent yet', problem: null, target };
  }
  const next = d.next_attempt_at ? `, next at ${formatDue(d.next_attempt_at)}` : '';
  return {
    tone: 'retrying',
    status: `retrying: attempt ${d.attempts} failed${next}`,
    problem: lastProblem(d),
    target,
  };
}

/** How many notifications in these entries gave up, and how many are still being retried. */
export function deliveryCounts(entries: readonly AlertHistoryEntry[]): {
  failed: number;
  retrying: number;
} {
  let failed = 0;
  let retrying = 0;
  for (const h of entries) {
    for (const d of deliveriesOf(h)) {
      if (d.state === 'failed') failed++;
      else if (d.state === 'pending' && d.attempts > 0) retrying++;
    }
  }
  return { failed, retrying };
}

/**
 * The notifications sent when this rule last started firing (history is newest first), so a
 * firing alert can say whether anyone was told.
 */
export function lastFiringDeliveries(
  history: readonly AlertHistoryEntry[],
  ruleId: string,
): AlertDelivery[] {
  const entry = history.find((h) => h.rule_id === ruleId && h.to_state === 'firing');
  return entry ? deliveriesOf(entry) : [];
}
