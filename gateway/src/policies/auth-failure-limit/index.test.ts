import { describe, expect, it } from 'vitest';
import { fakeContext } from '../../testing/fake-context.js';
import { authFailureLimit } from './index.js';

describe('auth-failure-limit policy', () => {
  it('blocks an IP after `burst` failures, not other IPs, and lets it in again after the interval', () => {
    let now = 1_000_000;
    const policy = authFailureLimit({ requests_per_minute: 60, burst: 3 }, { now: () => now });
    const attempt = (ip: string) => {
      const ctx = fakeContext({ ip });
      const result = policy(ctx);
      if (!result) ctx.onAuthFailure?.(ctx);
      return result;
    };
    expect([attempt('10.0.0.1'), attempt('10.0.0.1'), attempt('10.0.0.1')]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(attempt('10.0.0.1')).toMatchObject({ status: 429, code: 'too_many_auth_failures' });
    expect(attempt('10.0.0.2')).toBeUndefined();
    now += 1000;
    expect(attempt('10.0.0.1')).toBeUndefined();
  });

  it('successful requests do not count', () => {
    const policy = authFailureLimit({ requests_per_minute: 1, burst: 1 });
    for (let i = 0; i < 5; i++) expect(policy(fakeContext({ ip: '10.0.0.3' }))).toBeUndefined();
  });
});
