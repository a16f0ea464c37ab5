import { describe, expect, it } from 'vitest';
import type { AlertRule } from '../../api/analytics/getAlerts.js';
import { errorFromStatus } from '../../api/errors.js';
import {
  buildRuleInput,
  describeRule,
  EMPTY_RULE_FORM,
  emptyTarget,
  formatAlertValue,
  type RuleForm,
  ruleProblemsFrom,
} from './utils.js';

describe('buildRuleInput', () => {
  it('turns a percentage threshold into a fraction and blank scope fields into null', () => {
    const out = buildRuleInput({
      ...EMPTY_RULE_FORM,
      name: ' orders ',
      route: '/v1/orders',
      threshold: '2.5',
      targets: [{ ...emptyTarget(0), url: 'https://hooks.example.com/x' }],
    });
    expect(out).toEqual({
      input: {
        name: 'orders',
        kind: 'threshold',
        route: '/v1/orders',
        customer_id: null,
        metric: 'error_rate_5xx',
        threshold: 0.025,
        window: '5m',
        min_requests: 20,
        for: '1m',
        severity: 'warning',
        targets: [{ type: 'webhook', url: 'https://hooks.example.com/x' }],
      },
    });
  });

  it('sends the targets with a URL in form order, each secret with its own target only', () => {
    const out = buildRuleInput({
      ...EMPTY_RULE_FORM,
      name: 'orders',
      targets: [
        { key: 0, type: 'webhook', url: ' https://page.example.com/a ', secret: 's'.repeat(16) },
        { key: 3, type: 'webhook', url: '  ', secret: '' },
        { key: 4, type: 'slack', url: 'https://hooks.slack.example/T/B/x', secret: '' },
      ],
    });
    expect(out).toMatchObject({
      input: {
        targets: [
          { type: 'webhook', url: 'https://page.example.com/a', secret: 's'.repeat(16) },
          { type: 'slack', url: 'https://hooks.slack.example/T/B/x' },
        ],
      },
    });
    expect('input' in out && out.input.targets?.[1]).not.toHaveProperty('secret');
  });

  it('sends no targets when none has a URL, or there are none', () => {
    for (const targets of [[emptyTarget(0)], []]) {
      const out = buildRuleInput({ ...EMPTY_RULE_FORM, name: 'quiet', targets });
      expect('input' in out && out.input).not.toHaveProperty('targets');
    }
  });

  it('keeps latency thresholds in milliseconds', () => {
    const out = buildRuleInput({
      ...EMPTY_RULE_FORM,
      name: 'slow',
      metric: 'p99_ms',
      threshold: '750',
    });
    expect(out).toMatchObject({ input: { metric: 'p99_ms', threshold: 750 } });
  });

  it('builds a burn-rate rule from an objective in percent', () => {
    const out = buildRuleInput({
      ...EMPTY_RULE_FORM,
      name: 'slo',
      kind: 'burn_rate',
      objective: '99.9',
    });
    expect(out).toMatchObject({ input: { kind: 'burn_rate', objective: 0.999 } });
    expect('input' in out && out.input.metric).toBeFalsy();
  });

  it.each([
    [{ name: '' }, 'name'],
    [{ name: 'x', threshold: '150' }, 'threshold'],
    [{ name: 'x', threshold: 'abc' }, 'threshold'],
    [{ name: 'x', min_requests: '0' }, 'min_requests'],
    [{ name: 'x', kind: 'burn_rate' as const, objective: '100' }, 'objective'],
  ])('refuses %j naming %s', (patch, field) => {
    expect(buildRuleInput({ ...EMPTY_RULE_FORM, ...patch })).toMatchObject({ field });
  });
});

describe('formatAlertValue and describeRule', () => {
  const rule = {
    kind: 'threshold',
    metric: 'error_rate_5xx',
    threshold: 0.05,
    window: '5m',
    min_requests: 20,
    for: '1m',
    route: '/v1/orders',
    customer_id: null,
  } as AlertRule;

  it('formats rates as percent, latency as ms, burn as ×', () => {
    expect(formatAlertValue(rule, 0.1234)).toBe('12.34%');
    expect(formatAlertValue({ kind: 'threshold', metric: 'p95_ms' }, 812.4)).toBe('812 ms');
    expect(formatAlertValue({ kind: 'burn_rate', metric: null }, 16.66)).toBe('16.7×');
    expect(formatAlertValue(rule, null)).toBe('–');
  });

  it('describes a rule in one line', () => {
    expect(describeRule(rule)).toBe(
      '5xx error rate > 5% over 5m on /v1/orders (min 20 requests, for 1m)',
    );
  });
});

describe('ruleProblemsFrom', () => {
  const refusal = (field: string, details?: { field: string; message: string }[]) =>
    errorFromStatus(422, {
      error: { code: 'invalid_rule', message: `${field}: bad`, field, details, request_id: 'r' },
    });
  const target = (key: number, url: string) => ({ ...emptyTarget(key), url });
  const oneTarget: RuleForm = {
    ...EMPTY_RULE_FORM,
    targets: [target(0, 'x')],
  };

  it('files the API’s target paths under the target they name, by its key', () => {
    const err = refusal('targets.0.url', [
      { field: 'targets.0.url', message: 'must be an http(s) URL' },
      { field: 'targets.0.type', message: 'Invalid option' },
      { field: 'min_requests', message: 'Too small' },
    ]);
    expect(ruleProblemsFrom(err, oneTarget)).toEqual({
      fields: {
        targets: { 0: { url: 'must be an http(s) URL', type: 'Invalid option' } },
        min_requests: 'Too small',
      },
      form: null,
    });
  });

  it('counts only the targets that were sent, as the API does', () => {
    // Key 5 was left blank, so it was not sent: the API's targets.1 is key 7.
    const submitted: RuleForm = {
      ...EMPTY_RULE_FORM,
      targets: [target(2, 'https://a.example'), target(5, ''), target(7, 'https://b.example')],
    };
    const err = refusal('targets.1.url', [
      { field: 'targets.1.secret', message: 'Too small' },
      { field: 'targets.1', message: 'Unrecognized key' },
    ]);
    expect(ruleProblemsFrom(err, submitted)).toEqual({
      fields: { targets: { 7: { secret: 'Too small', url: 'Unrecognized key' } } },
      form: null,
    });
    // webhook_target_refused names one target in the envelope's field, without details.
    expect(ruleProblemsFrom(refusal('targets.1.url'), submitted)).toEqual({
      fields: { targets: { 7: { url: 'targets.1.url: bad' } } },
      form: null,
    });
  });

  it('keeps problems with fields the form lacks for one form message', () => {
    expect(
      ruleProblemsFrom(
        refusal('burn_windows', [{ field: 'burn_windows.0.long', message: 'x' }]),
        oneTarget,
      ),
    ).toEqual({ fields: {}, form: 'burn_windows.0.long: x' });
    expect(ruleProblemsFrom(refusal('target_url'), oneTarget)).toEqual({
      fields: {},
      form: 'target_url: bad',
    });
    // The list as a whole, or a target the form did not send, has no field of its own.
    expect(
      ruleProblemsFrom(
        refusal('targets', [
          { field: 'targets', message: 'Too big' },
          { field: 'targets.3.url', message: 'bad' },
        ]),
        oneTarget,
      ),
    ).toEqual({ fields: {}, form: 'targets: Too big targets.3.url: bad' });
  });
});
