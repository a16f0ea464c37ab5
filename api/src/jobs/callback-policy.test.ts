import { ApiError } from '@gatehouse/shared';
import { describe, expect, it } from 'vitest';
import { checkCallbackUrl, type Resolver } from './callback-policy.js';

const strict = { allowPrivate: false };
const publicOnly: Resolver = async () => [{ address: '93.184.216.34', family: 4 }];

async function refusal(url: string, resolve?: Resolver) {
  const err = await checkCallbackUrl(url, strict, resolve).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  expect(err).toMatchObject({
    code: 'callback_url_not_allowed',
    status: 422,
    field: 'callback_url',
  });
  return err as ApiError;
}

describe('checkCallbackUrl', () => {
  it.each([
    'http://127.0.0.1/hook',
    'http://127.0.0.1:8080/hook',
    'https://10.1.2.3/hook',
    'http://172.16.5.5/',
    'http://192.168.0.10/',
    'http://169.254.169.254/latest/meta-data/',
    'http://0.0.0.0/',
    'http://[::1]/hook',
    'http://[::]/hook',
    'http://[fe80::1]/',
    'http://[fd00::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:169.254.169.254]/',
    'http://0x7f.1/',
    'http://2130706433/',
    'http://017700000001/',
  ])('refuses the non-public address in %s', async (url) => {
    await refusal(url);
  });

  it('refuses a hostname that resolves to loopback (localhost, via the system resolver)', async () => {
    const err = await refusal('http://localhost:9999/hook');
    expect(err.message).toMatch(/localhost resolves to (127\.0\.0\.1|::1)/);
  });

  it('refuses a hostname when any of its addresses is private', async () => {
    await refusal('https://mixed.example/hook', async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.7', family: 4 },
    ]);
  });

  it('refuses a hostname that does not resolve', async () => {
    await refusal('https://nowhere.invalid/hook', async () => {
      throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
    });
  });

  it.each(['ftp://93.184.216.34/x', 'file:///etc/passwd', 'javascript:alert(1)', 'not a url'])(
    'refuses %s (not http/https)',
    async (url) => {
      await refusal(url);
    },
  );

  it('refuses credentials in the URL', async () => {
    await refusal('https://user:pw@hooks.example/x', publicOnly);
  });

  it('accepts a public host and returns the addresses it checked', async () => {
    const ok = await checkCallbackUrl('https://hooks.example/x?y=1', strict, publicOnly);
    expect(ok.url.href).toBe('https://hooks.example/x?y=1');
    expect(ok.addresses).toEqual([{ address: '93.184.216.34', family: 4 }]);
    const literal = await checkCallbackUrl('http://[2606:4700:4700::1111]/', strict);
    expect(literal.addresses).toEqual([{ address: '2606:4700:4700::1111', family: 6 }]);
  });

  it('allows private addresses when the policy says so', async () => {
    const ok = await checkCallbackUrl('http://127.0.0.1:1234/hook', { allowPrivate: true });
    expect(ok.addresses).toEqual([{ address: '127.0.0.1', family: 4 }]);
  });
});
