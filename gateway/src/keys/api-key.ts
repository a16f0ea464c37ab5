import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * API key format (stable: secret scanners and support staff recognise it):
 *
 *     gh_live_<keyId>_<secret>_<checksum>
 *     gh_live_4TgQ2vX9kLmN8pRs_0aZ…43 chars…_1a2B3c
 *
 * - `gh_live_`: a fixed prefix, so a leaked key is easy to find in logs, repos and pastes.
 * - `keyId`: 16 base62 characters (~95 random bits). Not secret: it is the primary key the
 *   gateway looks the key up by (no scan over hashes), and what the admin API lists.
 * - `secret`: 43 base62 characters drawn from `crypto.randomBytes` (~256 bits of entropy).
 *   Only its SHA-256 is ever stored.
 * - `checksum`: CRC-32 of everything before it, as 6 base62 characters. A mistyped or
 *   truncated key is refused without touching the key table (and it lets scanners tell a
 *   real key from a look-alike string offline). It is NOT a security feature: anyone can
 *   compute it; the secret is what authenticates.
 *
 * Base62 keeps the whole key one "word" (double-click selects it, no URL escaping) and keeps
 * `_` free as the separator.
 */
export const KEY_PREFIX = 'gh_live_';
export const KEY_ID_LENGTH = 16;
export const SECRET_LENGTH = 43;
export const CHECKSUM_LENGTH = 6;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_PATTERN = new RegExp(
  `^${KEY_PREFIX}([0-9A-Za-z]{${KEY_ID_LENGTH}})_([0-9A-Za-z]{${SECRET_LENGTH}})_([0-9A-Za-z]{${CHECKSUM_LENGTH}})$`,
);
const KEY_ID_PATTERN = new RegExp(`^[0-9A-Za-z]{${KEY_ID_LENGTH}}$`);
/** Longest string worth running the pattern on; anything longer is malformed at once. */
const KEY_LENGTH = KEY_PREFIX.length + KEY_ID_LENGTH + 1 + SECRET_LENGTH + 1 + CHECKSUM_LENGTH;

/** `length` base62 characters from the CSPRNG, by rejection sampling so every character is uniform. */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 248 = 4 * 62: bytes at or above it would bias the low characters, so they are dropped.
      if (byte < 248) out += BASE62[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

function checksumOf(body: string): string {
  let n = crc32(body);
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

export function isKeyId(value: string): boolean {
  return KEY_ID_PATTERN.test(value);
}

export interface ParsedKey {
  keyId: string;
  secret: string;
}

/** Splits a presented key into id and secret; `undefined` for anything malformed or mistyped. */
export function parseApiKey(raw: string): ParsedKey | undefined {
  if (raw.length !== KEY_LENGTH) return undefined;
  const match = KEY_PATTERN.exec(raw);
  if (!match) return undefined;
  const [, keyId, secret, checksum] = match as unknown as [string, string, string, string];
  if (checksumOf(raw.slice(0, raw.length - CHECKSUM_LENGTH - 1)) !== checksum) return undefined;
  return { keyId, secret };
}

/** The public, non-secret part shown in lists so operators can tell keys apart. */
export function keyPrefix(keyId: string): string {
  return `${KEY_PREFIX}${keyId}`;
}

export function formatApiKey(keyId: string, secret: string): string {
  const body = `${KEY_PREFIX}${keyId}_${secret}`;
  return `${body}_${checksumOf(body)}`;
}

export interface GeneratedKey {
  keyId: string;
  /** The full key to hand to the customer once; never stored. */
  key: string;
  /** Hex SHA-256 of the secret: the only form that is stored. */
  hash: string;
}

export function generateApiKey(): GeneratedKey {
  const keyId = randomBase62(KEY_ID_LENGTH);
  const secret = randomBase62(SECRET_LENGTH);
  return { keyId, key: formatApiKey(keyId, secret), hash: hashSecret(secret) };
}

/**
 * SHA-256, not bcrypt/scrypt/argon2, on purpose: slow hashes exist to make guessing
 * low-entropy passwords expensive. A 256-bit random secret cannot be guessed, so a slow hash
 * adds nothing except milliseconds of CPU on every request (and a DoS lever). A fast,
 * one-way hash still means a leaked database does not leak usable keys.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function hashSecretBytes(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/**
 * Whether two strings are equal from index `from` on, in time that depends only on the length:
 * every character is compared, no early exit. For presented keys, whose length is fixed and
 * public; `from` skips a part the caller already knows is equal (a key's prefix and id).
 */
export function constantTimeEqualStrings(a: string, b: string, from = 0): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = from; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Where a key's text after `gh_live_<keyId>` starts: its separator, secret and checksum. */
export const KEY_SECRET_OFFSET = KEY_PREFIX.length + KEY_ID_LENGTH;

/** The key id of a string shaped like a key (prefix and length only; nothing else checked). */
export function keyIdOfKeyShaped(raw: string): string | undefined {
  return raw.length === KEY_LENGTH && raw.startsWith(KEY_PREFIX)
    ? raw.slice(KEY_PREFIX.length, KEY_PREFIX.length + KEY_ID_LENGTH)
    : undefined;
}

/** Constant-time comparison of a presented secret against a stored hash (both digests: same length). */
export function secretMatches(secret: string, storedHash: Buffer): boolean {
  const presented = hashSecretBytes(secret);
  return presented.length === storedHash.length && timingSafeEqual(presented, storedHash);
}
