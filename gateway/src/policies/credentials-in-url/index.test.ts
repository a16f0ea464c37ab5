import { describe, expect, it } from 'vitest';
import { fakeContext } from '../../testing/fake-context.js';
import { credentialsInUrl, redactQuery } from './index.js';

describe('credentials-in-url policy', () => {
  const policy = credentialsInUrl();

  it.each(['api_key', 'apikey', 'key', 'access_token', 'token', 'API_KEY', 'api%5Fkey'])(
    'refuses ?%s=… with 400 credentials_in_url',
    (name) => {
      const result = policy(fakeContext({ url: `/v1/orders?limit=1&${name}=secret` }));
      expect(result).toMatchObject({ status: 400, code: 'credentials_in_url' });
    },
  );

  it('lets other parameters through', () => {
    expect(policy(fakeContext({ url: '/v1/orders?limit=1&cursor=abc&keyword=x' }))).toBeUndefined();
  });

  it('redacts every query value but keeps the names', () => {
    expect(redactQuery('/v1/orders', 'api_key=gh_live_x&limit=5&flag')).toBe(
      '/v1/orders?api_key=REDACTED&limit=REDACTED&flag',
    );
    expect(redactQuery('/v1/orders', '')).toBe('/v1/orders');
  });

  it('refuses bad options when built', () => {
    expect(() => credentialsInUrl({ names: [] })).toThrow();
  });
});
