/**
 * Verified-token cache: a token that already passed every check is accepted
 * again without parsing or signature work. Only successes are stored, keyed
 * by the exact token string; each entry carries a TTL that ends at the
 * token's `exp` (plus clock tolerance), and the caller still runs the time
 * checks on every hit.
 *
 * In front of the LRU sits a small direct-mapped table of recent entries: a
 * client repeats one token until it nears expiry, and finding it there costs
 * one string comparison, where the LRU lookup hashes the whole token (a fresh
 * string on every request) and updates its recency lists.
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
  /** Number of entries held by the LRU (the front table holds at most 64 more references). */
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
  // Front table: it only ever holds entries the LRU holds too (dispose clears a slot whose
  // entry the LRU evicts or deletes), with the same deadline, so maxEntries and TTLs hold as
  // before. A colliding token simply takes the slot over.
  const frontTokens: (string | undefined)[] = new Array<string | undefined>(FRONT_SLOTS).fill(undefined);
  const frontValues: (VerifiedToken | undefined)[] = new Array<VerifiedToken | undefined>(FRONT_SLOTS).fill(
    undefined,
  );
  const frontDeadlines = new Float64Array(FRONT_SLOTS);
  const clearFront = (token: string): void => {
    const slot = frontSlot(token);
    if (frontTokens[slot] === token) {
      frontTokens[slot] = undefined;
      frontValues[slot] = undefined;
    }
  };
  const lru = new LRUCache<string, VerifiedToken>({
    max,
    ttlResolution: 0,
    dispose: (_value, token) => clearFront(token),
  });
  return {
    get(token) {
      const slot = frontSlot(token);
      if (frontTokens[slot] === token) {
        if (Date.now() < (frontDeadlines[slot] as number)) return frontValues[slot];
        clearFront(token);
      }
      const hit = lru.get(token);
      if (hit !== undefined) {
        // Up to the same deadline the LRU enforces (the caller's time checks also run on every hit).
        const ttl = lru.getRemainingTTL(token);
        frontTokens[slot] = token;
        frontValues[slot] = hit;
        frontDeadlines[slot] = Date.now() + ttl;
      }
      return hit;
    },
    set(token, verified, ttlMs) {
      if (ttlMs < 1) return;
      const ttl = Math.floor(ttlMs);
      lru.set(token, verified, { ttl });
      const slot = frontSlot(token);
      frontTokens[slot] = token;
      frontValues[slot] = verified;
      frontDeadlines[slot] = Date.now() + ttl;
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
