/**
 * Verified-token cache: a token that already passed every check is accepted
 * again without parsing or signature work. Only successes are stored, keyed
 * by the exact token string; each entry carries a TTL that ends at the
 * token's `exp` (plus clock tolerance), and the caller still runs the time
 * checks on every hit.
 */
import { LRUCache } from 'lru-cache';
import { ConfigurationError } from './errors.js';
import type { VerifiedToken } from './types.js';

/** Default number of entries. */
export const DEFAULT_TOKEN_CACHE_ENTRIES = 10_000;

/** A bounded map from token string to its verification result. */
export interface TokenCache {
  /** The cached result, or `undefined`. */
  get(token: string): VerifiedToken | undefined;
  /**
   * Stores a successful verification for at most `ttlMs` (the time left
   * until `exp` plus tolerance). Non-positive TTLs are not stored.
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
  const max = options?.maxEntries ?? DEFAULT_TOKEN_CACHE_ENTRIES;
  if (!Number.isInteger(max) || max < 1)
    throw new ConfigurationError('scopegate: `tokenCache.maxEntries` must be a positive integer');
  // ttlAutopurge stays off: no timers; stale entries are dropped when touched or evicted.
  // ttlResolution 0: read the clock on each lookup. With the default (1 ms) lru-cache
  // caches the time and arms a setTimeout to forget it, i.e. one timer per request
  // whenever requests are more than 1 ms apart.
  const lru = new LRUCache<string, VerifiedToken>({ max, ttlResolution: 0 });
  return {
    get: (token) => lru.get(token),
    set(token, verified, ttlMs) {
      if (ttlMs >= 1) lru.set(token, verified, { ttl: Math.floor(ttlMs) });
    },
    delete(token) {
      lru.delete(token);
    },
    get size() {
      return lru.size;
    },
  };
}
