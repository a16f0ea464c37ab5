import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface IdentityKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** RFC 7638 thumbprint of the public JWK: stable across restarts, changes with the key. */
  kid: string;
  /** Whether this call generated the key file. */
  generated: boolean;
}

/**
 * The Ed25519 key the gateway signs identity tokens with: read from `path`, or generated there
 * (mode 0600) on first start when `generate` is allowed. Generating is done once, before
 * cluster workers fork, so every worker signs with the same key.
 */
export function loadIdentityKey(path: string, opts: { generate: boolean }): IdentityKey {
  let generated = false;
  if (!existsSync(path)) {
    if (!opts.generate) throw new Error(`Identity key file ${path} does not exist.`);
    const { privateKey } = generateKeyPairSync('ed25519');
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, privateKey.export({ format: 'pem', type: 'pkcs8' }), {
      mode: 0o600,
      flag: 'wx',
    });
    generated = true;
  }
  const privateKey = createPrivateKey(readFileSync(path));
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new Error(`Identity key ${path} must be an Ed25519 private key (PEM, PKCS#8).`);
  }
  const publicKey = createPublicKey(privateKey);
  const jwk = publicKey.export({ format: 'jwk' });
  const kid = createHash('sha256')
    .update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x }))
    .digest('base64url');
  return { privateKey, publicKey, kid, generated };
}

/** `/.well-known/jwks.json` body: the public half only. */
export function jwksOf(key: IdentityKey): { keys: Record<string, unknown>[] } {
  return {
    keys: [{ ...key.publicKey.export({ format: 'jwk' }), kid: key.kid, alg: 'EdDSA', use: 'sig' }],
  };
}
