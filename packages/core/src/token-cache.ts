/**
 * Verified-token cache: a token that already passed every check is accepted
 * again without parsing or signature work. Only successes are stored; each
 * entry carries a TTL that ends at the token's `exp` (plus clock tolerance),
 * and the caller still runs the time checks on every hit.
 *
 * Each request brings a fresh copy of its token, and a Map lookup hashes the
 * whole key (hundreds of characters). So the LRU is keyed by the token's last
 * characters only (inside the signature: as good as random), and an entry
 * counts as a hit only when the whole stored token equals the one asked for.
 * Two different tokens sharing a tail can only displace each other: neither
 * is ever answered with the other's result.
 *
 * In front of the LRU sits a small direct-mapped table of recently used
 * tokens: found there, a repeated token is looked up with the stored key,
 * whose hash is already known, and no key string is made.
 */
import { LRUCache } from 'lru-cache';
import { ConfigurationError } from './errors.js';
import type { VerifiedToken } from './types.js';

/** Default number of entries. */
export const DEFAULT_TOKEN_CACHE_ENTRIES = 10_000;

/** Size of the front table (a power of two). */
const FRONT_SLOTS = 64;

/** Characters of a token's end that key the LRU (256 bits of base64url). */
const KEY_CHARS = 43;

// The LRU key of a token: its tail, or the whole token when it is short.
function keyOf(token: string): string {
  return token.length > 2 * KEY_CHARS ? token.slice(token.length - KEY_CHARS) : token;
}

/** What the LRU holds: the whole token, to confirm a hit, with its result. */
interface Entry {
  readonly token: string;
  readonly verified: VerifiedToken;
}

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
  // Front table: the last token used in each slot, with its LRU key. It never decides on its
  // own: a hit is confirmed by the LRU, so recency, maxEntries and TTLs are the LRU's, exactly
  // as without the table.
  const frontTokens: (string | undefined)[] = new Array<string | undefined>(FRONT_SLOTS).fill(undefined);
  const frontKeys: string[] = new Array<string>(FRONT_SLOTS).fill('');
  const clearFront = (token: string): void => {
    const slot = frontSlot(token);
    if (frontTokens[slot] === token) {
      frontTokens[slot] = undefined;
      frontKeys[slot] = ''; // the key is a slice of the token: it would keep the token alive
    }
  };
  // ttlAutopurge stays off: no timers; stale entries are dropped when touched or evicted.
  // ttlResolution 0: read the clock on each lookup. With the default (1 ms) lru-cache
  // caches the time and arms a setTimeout to forget it, i.e. one timer per request
  // whenever requests are more than 1 ms apart.
  // dispose: a slot never keeps an evicted or deleted entry's token alive.
  const lru = new LRUCache<string, Entry>({
    max,
    ttlResolution: 0,
    dispose: (entry) => clearFront(entry.token),
  });
  return {
    get(token) {
      if (typeof token !== 'string') return undefined;
      const slot = frontSlot(token);
      const stored = frontTokens[slot];
      if (stored === token) {
        const entry = lru.get(frontKeys[slot] as string);
        // `stored` and the entry's token are the same string object when still current.
        return entry !== undefined && entry.token === stored ? entry.verified : undefined;
      }
      const key = keyOf(token);
      const entry = lru.get(key);
      if (entry === undefined || entry.token !== token) return undefined;
      frontTokens[slot] = entry.token;
      frontKeys[slot] = key;
      return entry.verified;
    },
    set(token, verified, ttlMs) {
      // Also refuses NaN: lru-cache would keep an entry with a NaN TTL forever.
      if (!(ttlMs >= 1) || typeof token !== 'string') return;
      const key = keyOf(token);
      lru.set(key, { token, verified }, { ttl: Math.floor(ttlMs) });
      const slot = frontSlot(token);
      frontTokens[slot] = token;
      frontKeys[slot] = key;
    },
    delete(token) {
      if (typeof token !== 'string') return;
      const key = keyOf(token);
      // Only this token's own entry: another token sharing the tail keeps its own.
      if (lru.peek(key)?.token === token) lru.delete(key);
      clearFront(token);
    },
    get size() {
      return lru.size;
    },
  };
}
