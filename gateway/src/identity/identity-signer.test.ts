import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { jwksOf, loadIdentityKey } from './identity-key.js';
import { createIdentitySigner } from './identity-signer.js';

describe('identity token', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'gw-id-')), 'identity-key.pem');
  const key = loadIdentityKey(path, { generate: true });

  it('generates the key once and reads the same key back', () => {
    expect(key.generated).toBe(true);
    const again = loadIdentityKey(path, { generate: true });
    expect(again.generated).toBe(false);
    expect(again.kid).toBe(key.kid);
  });

  it('signs EdDSA tokens the JWKS verifies, with the shared claims', async () => {
    const signer = createIdentitySigner(key);
    const token = signer.tokenFor('cus_1', 'key_1', ['orders:read', 'orders:write']);
    const { payload, protectedHeader } = await jwtVerify(
      token,
      createLocalJWKSet(jwksOf(key) as never),
      {
        issuer: 'gatehouse-gateway',
        audience: 'orders-api',
        algorithms: ['EdDSA'],
      },
    );
    expect(protectedHeader.kid).toBe(key.kid);
    expect(payload).toMatchObject({
      sub: 'cus_1',
      key_id: 'key_1',
      scope: 'orders:read orders:write',
    });
    expect(payload.exp! - payload.iat!).toBe(60);
  });

  it('reuses a token for half its lifetime, then signs a fresh one', () => {
    let now = 1_700_000_000_000;
    const signer = createIdentitySigner(key, { now: () => now });
    const first = signer.tokenFor('c', 'k', []);
    now += 29_000;
    expect(signer.tokenFor('c', 'k', [])).toBe(first);
    now += 2_000;
    expect(signer.tokenFor('c', 'k', [])).not.toBe(first);
    expect(signer.tokenFor('other', 'k', [])).not.toBe(first);
  });

  it('signs again for a key whose customer or scopes changed, even within the reuse window', () => {
    const signer = createIdentitySigner(key);
    const read = ['orders:read'];
    const first = signer.tokenFor('c', 'k', read);
    expect(signer.tokenFor('c', 'k', read)).toBe(first);
    const widened = signer.tokenFor('c', 'k', ['orders:read', 'orders:write']);
    expect(decodeJwt(widened).scope).toBe('orders:read orders:write');
    expect(decodeJwt(signer.tokenFor('c2', 'k', read)).sub).toBe('c2');
    expect(signer.tokenFor('c', 'k', read)).toBe(first);
  });

  it('the JWKS never carries the private part', () => {
    expect(JSON.stringify(jwksOf(key))).not.toMatch(/"d":/);
  });
});
