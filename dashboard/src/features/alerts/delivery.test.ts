import { describe, expect, it } from 'vitest';
import type { AlertDelivery, AlertHistoryEntry } from '../../api/analytics/getAlerts.js';
import {
  deliveriesOf,
  deliveryCounts,
  describeDelivery,
  formatDue,
  lastFiringDeliveries,
  scrubError,
  targetLabel,
} from './delivery.js';

const SLACK = 'https://hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/xoxSecretPart1234567890';

const delivery = (over: Partial<AlertDelivery>): AlertDelivery => ({
  notification_id: 'ntf_1',
  type: 'webhook',
  url: 'https://hooks.example.com/alerts',
  state: 'delivered',
  attempts: 1,
  last_status: 200,
  last_error: null,
  created_at: '2026-01-01T00:01:00Z',
  last_attempt_at: '2026-01-01T00:01:01Z',
  next_attempt_at: null,
  finished_at: '2026-01-01T00:01:01Z',
  ...over,
});

const entry = (over: Partial<AlertHistoryEntry>): AlertHistoryEntry => ({
  id: '1',
  rule_id: 'rule_1',
  name: 'r',
  from_state: 'pending',
  to_state: 'firing',
  value: 0.3,
  threshold: 0.1,
  requests: 50,
  at: '2026-01-01T00:01:00Z',
  details: {},
  ...over,
});

describe('targetLabel', () => {
  it('never shows the secret path of a Slack webhook URL', () => {
    expect(targetLabel(SLACK)).toBe('https://hooks.slack.com/services/…');
  });

  it('drops credentials, query tokens and path segments that look like tokens', () => {
    expect(targetLabel('https://user:pass@example.com/hook?token=abc')).toBe(
      'https://example.com/hook/…',
    );
    expect(targetLabel('https://example.com/3f9a1c0e7d2b4a58')).toBe('https://example.com/…');
    expect(targetLabel('https://example.com/averyveryverylongsegment')).toBe(
      'https://example.com/…',
    );
    expect(targetLabel('https://example.com/?key=abc')).toBe('https://example.com/…');
  });

  it('keeps scheme, host with port, and one word-like path segment', () => {
    expect(targetLabel('http://127.0.0.1:9093/alerts')).toBe('http://127.0.0.1:9093/alerts');
    expect(targetLabel('https://am.example.com')).toBe('https://am.example.com');
    expect(targetLabel('https://am.example.com/api/v2/alerts')).toBe(
      'https://am.example.com/api/…',
    );
  });

  it('says so instead of echoing a URL it cannot read', () => {
    expect(targetLabel('not a url /with/secret')).toBe('unreadable URL');
  });
});

describe('scrubError', () => {
  it('cuts URLs inside an error text down to their label', () => {
    expect(scrubError(`request to ${SLACK} failed, reason: socket hang up`)).toBe(
      'request to https://hooks.slack.com/services/… failed, reason: socket hang up',
    );
  });

  it('keeps long texts short', () => {
    expect(scrubError('x'.repeat(500))).toHaveLength(201);
  });
});

describe('formatDue', () => {
  it('gives the clock time for today and adds the date for other days', () => {
    const now = new Date(2026, 0, 1, 12, 0, 0);
    const today = formatDue(new Date(2026, 0, 1, 12, 0, 4).toISOString(), now);
    const tomorrow = formatDue(new Date(2026, 0, 2, 0, 0, 4).toISOString(), now);
    expect(today).toMatch(/04/);
    expect(today).not.toMatch(/Jan/);
    expect(tomorrow).toMatch(/Jan/);
    expect(formatDue('garbage', now)).toBe('garbage');
  });
});

describe('describeDelivery', () => {
  it('says delivered, with the attempts only when it took more than one', () => {
    expect(describeDelivery(delivery({})).status).toBe('delivered');
    expect(describeDelivery(delivery({ attempts: 3 })).status).toBe('delivered after 3 attempts');
    expect(describeDelivery(delivery({})).tone).toBe('delivered');
  });

  it('says which attempt failed, when the next is due and what went wrong while retrying', () => {
    const v = describeDelivery(
      delivery({
        state: 'pending',
        attempts: 2,
        last_status: 500,
        last_error: 'answered 500',
        next_attempt_at: '2026-01-01T00:02:00Z',
        finished_at: null,
      }),
    );
    expect(v.tone).toBe('retrying');
    expect(v.status).toMatch(/^retrying: attempt 2 failed, next at .+/);
    expect(v.problem).toBe('answered 500');
  });

  it('calls a notification not yet tried queued', () => {
    const v = describeDelivery(delivery({ state: 'pending', attempts: 0, last_status: null }));
    expect(v).toMatchObject({ tone: 'queued', problem: null });
  });

  it('says NOT delivered with the last status and error when the collector gave up', () => {
    const v = describeDelivery(
      delivery({ state: 'failed', attempts: 14, last_status: 503, last_error: 'answered 503' }),
    );
    expect(v.status).toBe('NOT delivered: gave up after 14 attempts');
    expect(v.problem).toBe('answered 503');
    const refused = describeDelivery(
      delivery({ state: 'failed', attempts: 1, last_status: 404, last_error: null }),
    );
    expect(refused.problem).toBe('HTTP 404');
    const network = describeDelivery(
      delivery({ state: 'failed', attempts: 2, last_status: null, last_error: 'ECONNREFUSED' }),
    );
    expect(network.problem).toBe('ECONNREFUSED');
  });

  it('names the target by type and label only', () => {
    expect(describeDelivery(delivery({ type: 'slack', url: SLACK })).target).toBe(
      'slack https://hooks.slack.com/services/…',
    );
  });
});

describe('deliveriesOf', () => {
  it('reads the results stored by collectors before the outbox', () => {
    const legacy = entry({
      deliveries: [],
      notification: [
        { url: 'https://a.example.com/x', type: 'webhook', ok: true, attempts: 1, status: 200 },
        { url: SLACK, type: 'slack', ok: false, attempts: 3, error: 'answered 500', status: 500 },
      ],
    });
    expect(deliveriesOf(legacy).map((d) => [d.state, d.type, d.attempts, d.last_error])).toEqual([
      ['delivered', 'webhook', 1, null],
      ['failed', 'slack', 3, 'answered 500'],
    ]);
  });

  it('has none for changes that notify nobody', () => {
    expect(deliveriesOf(entry({ deliveries: [], notification: null }))).toEqual([]);
    expect(deliveriesOf(entry({}))).toEqual([]);
  });
});

describe('deliveryCounts and lastFiringDeliveries', () => {
  const history = [
    entry({
      id: '3',
      to_state: 'resolved',
      deliveries: [delivery({ notification_id: 'c', state: 'pending', attempts: 1 })],
    }),
    entry({
      id: '2',
      deliveries: [delivery({ notification_id: 'b', state: 'failed', attempts: 14 })],
    }),
    entry({
      id: '1',
      deliveries: [delivery({ notification_id: 'a', state: 'pending', attempts: 0 })],
    }),
  ];

  it('counts given-up and retrying notifications (not queued ones)', () => {
    expect(deliveryCounts(history)).toEqual({ failed: 1, retrying: 1 });
  });

  it('finds the notifications of the newest change to firing for the rule', () => {
    expect(lastFiringDeliveries(history, 'rule_1').map((d) => d.notification_id)).toEqual(['b']);
    expect(lastFiringDeliveries(history, 'other')).toEqual([]);
  });
});
