import { describe, expect, it } from 'vitest';
import { fakeContext } from '../../testing/fake-context.js';
import { hsts } from './index.js';

describe('hsts policy', () => {
  it('sets Strict-Transport-Security on HTTPS only', () => {
    const policy = hsts({ maxAgeSeconds: 600, includeSubDomains: true });
    const secure = fakeContext({ secure: true });
    policy(secure);
    expect(secure.responseHeaders['strict-transport-security']).toBe(
      'max-age=600; includeSubDomains',
    );
    const plain = fakeContext({ secure: false });
    policy(plain);
    expect(plain.responseHeaders['strict-transport-security']).toBeUndefined();
  });

  it('sets X-Content-Type-Options: nosniff on every response', () => {
    const policy = hsts();
    for (const secure of [true, false]) {
      const ctx = fakeContext({ secure });
      policy(ctx);
      expect(ctx.responseHeaders['x-content-type-options']).toBe('nosniff');
    }
  });

  it('refuses a negative max-age when built', () => {
    expect(() => hsts({ maxAgeSeconds: -1 })).toThrow();
  });
});
