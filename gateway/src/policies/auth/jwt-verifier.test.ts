import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { JwtSchema } from '../../config.js';
import { createJwtVerifier } from './jwt-verifier.js';

describe('JWT verifier with static public keys', () => {
  it('accepts ES256 and EdDSA tokens signed by configured keys (PEM or JWK) and nothing else', async () => {
    const es = await generateKeyPair('ES256', { extractable: true });
    const ed = await generateKeyPair('EdDSA', { extractable: true });
    const stranger = await generateKeyPair('ES256', { extractable: true });
    const verifier = createJwtVerifier(
      JwtSchema.parse({
        publicKeys: [
          await exportSPKI(es.publicKey),
          { ...(await exportJWK(ed.publicKey)), kid: 'ed1' },
        ],
        audience: 'gh',
      }),
    );
    const token = (
      alg: string,
      key: Parameters<SignJWT['sign']>[0],
      kid?: string,
      claims: Record<string, unknown> = {},
    ) =>
      new SignJWT({
        sub: 'cus_1',
        aud: 'gh',
        exp: Math.floor(Date.now() / 1000) + 60,
        scope: 'a b',
        ...claims,
      })
        .setProtectedHeader(kid ? { alg, kid } : { alg })
        .sign(key);

    expect(await verifier.verify(await token('ES256', es.privateKey))).toMatchObject({
      ok: true,
      customerId: 'cus_1',
      scopes: ['a', 'b'],
    });
    expect(await verifier.verify(await token('EdDSA', ed.privateKey, 'ed1'))).toMatchObject({
      ok: true,
    });
    expect(await verifier.verify(await token('ES256', stranger.privateKey))).toMatchObject({
      ok: false,
    });
    // Within the 60 s default skew an expired token still passes; beyond it, not.
    const now = Math.floor(Date.now() / 1000);
    expect(
      await verifier.verify(await token('ES256', es.privateKey, undefined, { exp: now - 30 })),
    ).toMatchObject({ ok: true });
    expect(
      await verifier.verify(await token('ES256', es.privateKey, undefined, { exp: now - 120 })),
    ).toEqual({
      ok: false,
      reason: 'jwt_expired',
    });
  });

  it('refuses a token without exp or without the customer claim', async () => {
    const es = await generateKeyPair('ES256', { extractable: true });
    const verifier = createJwtVerifier(
      JwtSchema.parse({ publicKeys: [await exportSPKI(es.publicKey)] }),
    );
    const noExp = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256' })
      .setSubject('c')
      .sign(es.privateKey);
    expect(await verifier.verify(noExp)).toEqual({ ok: false, reason: 'jwt_no_exp' });
    const noSub = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256' })
      .setExpirationTime('1m')
      .sign(es.privateKey);
    expect(await verifier.verify(noSub)).toEqual({ ok: false, reason: 'jwt_no_customer' });
  });
});
