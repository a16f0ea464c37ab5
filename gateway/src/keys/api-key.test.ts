import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  constantTimeEqualStrings,
  formatApiKey,
  generateApiKey,
  hashSecret,
  hashSecretBytes,
  isKeyId,
  KEY_PREFIX,
  keyPrefix,
  parseApiKey,
  randomBase62,
  secretMatches,
} from './api-key.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

describe('api key format', () => {
  it('generates keys that parse back to their id and a secret matching the stored hash', () => {
    const generated = generateApiKey();
    expect(generated.key.startsWith(`${KEY_PREFIX}${generated.keyId}_`)).toBe(true);
    const parsed = parseApiKey(generated.key);
    expect(parsed?.keyId).toBe(generated.keyId);
    expect(isKeyId(generated.keyId)).toBe(true);
    expect(hashSecret(parsed!.secret)).toBe(generated.hash);
    expect(secretMatches(parsed!.secret, Buffer.from(generated.hash, 'hex'))).toBe(true);
  });

  it('stores a hash that does not contain the secret', () => {
    const generated = generateApiKey();
    const secret = parseApiKey(generated.key)!.secret;
    expect(generated.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(generated.hash).not.toContain(secret);
  });

  it('never generates the same key twice in a batch', () => {
    const keys = new Set(Array.from({ length: 500 }, () => generateApiKey().key));
    expect(keys.size).toBe(500);
  });

  it('shows a public prefix made of the fixed prefix and key id only', () => {
    const generated = generateApiKey();
    expect(keyPrefix(generated.keyId)).toBe(`gh_live_${generated.keyId}`);
    expect(generated.key.length).toBeGreaterThan(keyPrefix(generated.keyId).length + 40);
  });

  it('draws random base62 strings of the asked length', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), (n) => {
        const s = randomBase62(n);
        return s.length === n && /^[0-9A-Za-z]+$/.test(s);
      }),
    );
  });

  it('never parses a random string as a valid key', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (s) => parseApiKey(s) === undefined),
      { numRuns: 2000 },
    );
  });

  it('never parses a random well-shaped key with a made-up checksum unless the checksum is right', () => {
    const b62 = (n: number) =>
      fc.string({ unit: fc.constantFrom(...BASE62), minLength: n, maxLength: n });
    fc.assert(
      fc.property(b62(16), b62(43), b62(6), (id, secret, checksum) => {
        const candidate = `gh_live_${id}_${secret}_${checksum}`;
        const genuine = formatApiKey(id, secret);
        return (parseApiKey(candidate) !== undefined) === (candidate === genuine);
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects a key with any single character mistyped', () => {
    const { key } = generateApiKey();
    fc.assert(
      fc.property(
        fc.integer({ min: KEY_PREFIX.length, max: key.length - 1 }),
        fc.constantFrom(...BASE62),
        (index, replacement) => {
          fc.pre(key[index] !== '_' && key[index] !== replacement);
          const typo = key.slice(0, index) + replacement + key.slice(index + 1);
          return parseApiKey(typo) === undefined;
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('rejects truncated, extended, whitespace-padded and re-cased keys', () => {
    const { key } = generateApiKey();
    expect(parseApiKey(key.slice(0, -1))).toBeUndefined();
    expect(parseApiKey(`${key}x`)).toBeUndefined();
    expect(parseApiKey(` ${key}`)).toBeUndefined();
    expect(parseApiKey(key.replace('gh_live_', 'GH_LIVE_'))).toBeUndefined();
    expect(parseApiKey('')).toBeUndefined();
  });

  it('compares secrets against the hash and refuses a different secret or a short hash', () => {
    const stored = hashSecretBytes('right');
    expect(secretMatches('right', stored)).toBe(true);
    expect(secretMatches('wrong', stored)).toBe(false);
    expect(secretMatches('right', stored.subarray(0, 16))).toBe(false);
  });

  it('compares strings for equality without early exit semantics changing the answer', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        expect(constantTimeEqualStrings(a, b)).toBe(a === b);
        expect(constantTimeEqualStrings(a, a)).toBe(true);
      }),
    );
  });

  it('compares only from the given index on, for strings of one length', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.nat(20), (a, b, from) => {
        expect(constantTimeEqualStrings(a, b, from)).toBe(
          a.length === b.length && a.slice(from) === b.slice(from),
        );
      }),
    );
    expect(constantTimeEqualStrings('gh_A_secret', 'gh_B_secret', 5)).toBe(true);
    expect(constantTimeEqualStrings('gh_A_secret', 'gh_A_secreT', 5)).toBe(false);
  });
});
