import type { UnmarkedSecret } from '@holdfast/observability';
import { createHash, hash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Keys look like `hf_3f9a1c0e5b7d2a48_<43 base64url characters>`: the id finds the stored hash in
 * one lookup, the 256-bit secret makes the key unguessable. A fast SHA-256 is enough for a
 * random key of that strength (no dictionary to attack), and keeps every request's check cheap.
 */
const KEY_PATTERN = /^hf_([0-9a-f]{16})_[A-Za-z0-9_-]{43}$/;

export interface GeneratedApiKey {
  key: string;
  keyId: string;
  prefix: string;
  hash: string;
}

export function generateApiKey(): GeneratedApiKey {
  const keyId = randomBytes(8).toString('hex');
  const key = `hf_${keyId}_${randomBytes(32).toString('base64url')}`;
  return { key, keyId, prefix: `hf_${keyId}`, hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The key id of a well-formed key, or undefined. */
export function apiKeyIdOf(key: string): string | undefined {
  return KEY_PATTERN.exec(key)?.[1];
}

/** Compares a presented key with a stored hash in constant time. */
export function matchesHash(key: string, hash: string): boolean {
  const presented = Buffer.from(hashApiKey(key), 'hex');
  const stored = Buffer.from(hash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

/**
 * The bootstrap key as the request log, a problem's instance and a path refusal find it in a URL
 * (withoutKeySecrets): it may be any secret, with no hf_bootstrap_ to find it by, and the process
 * keeps only its hash and length. Null when none is configured.
 */
export function recognisedBootstrapKey(bootstrap: { keyHash: string; keyLength: number } | null): UnmarkedSecret | null {
  // Not matchesHash: this tests what a log line repeats, no credential, so no constant time is needed, and the one-shot hash costs a quarter as much.
  return bootstrap && { length: bootstrap.keyLength, matches: (candidate) => hash('sha256', candidate) === bootstrap.keyHash };
}

/** The key in `Authorization: Bearer <key>`, or undefined when the header is absent or another scheme. */
export function bearerTokenOf(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}
