import { describe, expect, it } from 'vitest';
import { fakeContext } from '../../testing/fake-context.js';
import { bodyLimit } from './index.js';

describe('body-limit policy', () => {
  const policy = bodyLimit({ maxBytes: 100 });

  it('refuses a declared Content-Length over the limit with 413 and Connection: close', () => {
    const result = policy(fakeContext({ method: 'POST', headers: { 'content-length': '101' } }));
    expect(result).toMatchObject({
      status: 413,
      code: 'payload_too_large',
      headers: { connection: 'close' },
    });
  });

  it('lets a body at the limit, or without a declared length, through (the forwarder counts those)', () => {
    expect(
      policy(fakeContext({ method: 'POST', headers: { 'content-length': '100' } })),
    ).toBeUndefined();
    expect(
      policy(fakeContext({ method: 'POST', headers: { 'transfer-encoding': 'chunked' } })),
    ).toBeUndefined();
  });

  it('refuses a zero limit when built', () => {
    expect(() => bodyLimit({ maxBytes: 0 })).toThrow();
  });
});
