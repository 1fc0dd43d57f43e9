/**
 * Verified-token cache: a token that already passed every check is accepted
 * again without parsing or signature work. Only successes are stored, keyed
 * by the exact token string; each entry carries a TTL that ends at the
 * token's `exp` (plus clock tolerance), and the caller still runs the time
 * checks on every hit.
 *
 * In front of the LRU sits a small direct-mapped table of recently used token
 * strings: a client repeats one token until it nears expiry, and each request
 * brings a fresh copy of it, which the LRU's Map would hash in full (hundreds
 * of characters). Found in the table, the token is looked up in the LRU with
 * the stored copy, whose hash is already known.
 */
import { LRUCache } from 'lru-cache';
import { ConfigurationError } from './errors.js';
import type { VerifiedToken } from './types.js';

/** Default number of entries. */
export const DEFAULT_TOKEN_CACHE_ENTRIES = 10_000;

/** Size of the front table (a power of two). */
const FRONT_SLOTS = 64;

// The slot of a token, from its length and two characters near its end (inside the
// signature, as good as random) rather than a hash of the whole string.
function frontSlot(token: string): number {
  const n = token.length;
  if (n < 16) return n & (FRONT_SLOTS - 1);
  return (token.charCodeAt(n - 3) * 31 + token.charCodeAt(n - 9) + n) & (FRONT_SLOTS - 1);
}

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
  // Front table: the last token used in each slot, compared by string equality. It never
  // decides on its own: a hit is confirmed by the LRU with the stored key, whose hash V8
  // computed when it was stored (the costly part was hashing each request's fresh copy of the
  // token). So recency, maxEntries and TTLs are the LRU's, exactly as without the table.
  const frontTokens: (string | undefined)[] = new Array<string | undefined>(FRONT_SLOTS).fill(undefined);
  const clearFront = (token: string): void => {
    const slot = frontSlot(token);
    if (frontTokens[slot] === token) frontTokens[slot] = undefined;
  };
  // ttlAutopurge stays off: no timers; stale entries are dropped when touched or evicted.
  // ttlResolution 0: read the clock on each lookup. With the default (1 ms) lru-cache
  // caches the time and arms a setTimeout to forget it, i.e. one timer per request
  // whenever requests are more than 1 ms apart.
  // dispose: a slot never keeps an evicted or deleted entry's key alive.
  const lru = new LRUCache<string, VerifiedToken>({
    max,
    ttlResolution: 0,
    dispose: (_value, token) => clearFront(token),
  });
  return {
    get(token) {
      if (typeof token !== 'string') return undefined;
      const slot = frontSlot(token);
      const stored = frontTokens[slot];
      if (stored === token) return lru.get(stored);
      const hit = lru.get(token);
      if (hit !== undefined) frontTokens[slot] = token;
      return hit;
    },
    set(token, verified, ttlMs) {
      // Also refuses NaN: lru-cache would keep an entry with a NaN TTL forever.
      if (!(ttlMs >= 1)) return;
      lru.set(token, verified, { ttl: Math.floor(ttlMs) });
      frontTokens[frontSlot(token)] = token;
    },
    delete(token) {
      lru.delete(token);
      clearFront(token);
    },
    get size() {
      return lru.size;
    },
  };
}
