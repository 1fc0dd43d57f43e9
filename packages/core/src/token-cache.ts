/**
 * Verified-token cache: a token that already passed every check is accepted
 * again without parsing or signature work. Only successes are stored; each
 * entry carries a TTL that ends at the token's `exp` (plus clock tolerance),
 * and the caller still runs the time checks on every hit.
 *
 * The LRU is keyed by a number read from a few characters near the token's
 * end (inside the signature: as good as random) with a per-process seed, not
 * by the token string.
 * Each request brings a fresh copy of its token, and a string key would be
 * sliced and hashed on every lookup, then kept per entry as one more object
 * for the garbage collector to copy. A small integer costs none of that.
 * The entry is the VerifiedToken itself, and it counts as a hit only when
 * its whole token equals the one asked for: two tokens with the same key can
 * only displace each other, never be answered with the other's result.
 */
import { randomInt } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { ConfigurationError } from './errors.js';
import { checkOptionNames, TOKEN_CACHE_OPTION_NAMES } from './option-names.js';
import type { VerifiedToken } from './types.js';

/** Default number of entries. */
export const DEFAULT_TOKEN_CACHE_ENTRIES = 10_000;

/** Characters read for the key, ending one before the last (a signature's last character carries 2 or 4 bits only). */
const KEY_CHARS = 6;

// Per process. With a key anyone could compute, a caller could make up strings that share a
// cached token's key and so reach the comparison with that token (whose duration depends on
// how much of it they share); seeded, a key is as hard to aim at as before (V8 seeds its
// string hashes the same way).
const SEED = randomInt(2 ** 30);

/**
 * The LRU key of a token: an FNV-1a hash of the seed, its length and KEY_CHARS characters near
 * its end, cut to 30 bits so that it stays a small integer (no allocation, a cheap Map hash).
 * Exported for tests only (not from the package).
 * @internal
 */
export function keyOf(token: string): number {
  const n = token.length;
  let h = (0x811c9dc5 ^ SEED ^ n) | 0;
  const stop = Math.max(0, n - 1 - KEY_CHARS);
  for (let i = n - 2; i >= stop; i--) h = Math.imul(h ^ token.charCodeAt(i), 0x01000193);
  return h & 0x3fffffff;
}

/** A bounded map from token string to its verification result. */
export interface TokenCache {
  /** The cached result, or `undefined`. */
  get(token: string): VerifiedToken | undefined;
  /**
   * Stores a successful verification for at most `ttlMs` (the time left
   * until `exp` plus tolerance). Non-positive TTLs are not stored, nor is a
   * result whose `token` is not `token` (it could never be a hit).
   */
  set(token: string, verified: VerifiedToken, ttlMs: number): void;
  /** Drops one entry (e.g. found expired on a hit). */
  delete(token: string): void;
  /** Number of entries held. */
  readonly size: number;
}

/**
 * Creates the cache for a `tokenCache` option value.
 * @param options - `{ maxEntries }` (default 10 000), `undefined` (defaults), or `false` (no cache).
 * @returns the cache, or `undefined` when disabled.
 * @throws ConfigurationError for a non-positive or non-integer `maxEntries`.
 */
export function createTokenCache(
  options: { maxEntries?: number } | false | undefined,
): TokenCache | undefined {
  if (options === false) return undefined;
  if (options !== undefined && (typeof options !== 'object' || options === null))
    throw new ConfigurationError('scopegate: `tokenCache` must be an object or false');
  if (options !== undefined) checkOptionNames(options, TOKEN_CACHE_OPTION_NAMES, 'tokenCache');
  const max = options?.maxEntries ?? DEFAULT_TOKEN_CACHE_ENTRIES;
  if (!Number.isInteger(max) || max < 1)
    throw new ConfigurationError('scopegate: `tokenCache.maxEntries` must be a positive integer');
  // ttlAutopurge stays off: no timers; stale entries are dropped when touched or evicted.
  // ttlResolution 0: read the clock on each lookup. With the default (1 ms) lru-cache
  // caches the time and arms a setTimeout to forget it, i.e. one timer per request
  // whenever requests are more than 1 ms apart.
  const lru = new LRUCache<number, VerifiedToken>({ max, ttlResolution: 0 });
  return {
    get(token) {
      if (typeof token !== 'string') return undefined;
      const entry = lru.get(keyOf(token));
      return entry !== undefined && entry.token === token ? entry : undefined;
    },
    set(token, verified, ttlMs) {
      // Also refuses NaN: lru-cache would keep an entry with a NaN TTL forever.
      if (!(ttlMs >= 1) || typeof token !== 'string' || verified.token !== token) return;
      lru.set(keyOf(token), verified, { ttl: Math.floor(ttlMs) });
    },
    delete(token) {
      if (typeof token !== 'string') return;
      const key = keyOf(token);
      // Only this token's own entry: another token with the same key keeps its own.
      if (lru.peek(key)?.token === token) lru.delete(key);
    },
    get size() {
      return lru.size;
    },
  };
}
