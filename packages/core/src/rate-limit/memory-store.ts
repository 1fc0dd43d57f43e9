import { LRUCache } from 'lru-cache';
import { ConfigurationError } from '../errors.js';
import { attachFastPath } from '../fast-path.js';
import { checkOptionNames, MEMORY_STORE_OPTION_NAMES } from '../option-names.js';
import type { RateLimitResult, RateLimitStore } from '../types.js';
import {
  createSlidingWindowState,
  type SlidingWindowState,
  slidingWindowConsumeInPlace,
} from './sliding-window.js';

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Most keys (clients) tracked at once; the least recently used is dropped
   * beyond it, so a flood of distinct ids cannot exhaust memory. Size it above
   * the number of clients active within a minute: a dropped client restarts
   * with an empty window. Default 100 000.
   */
  maxClients?: number;
  /** Clock in epoch milliseconds, for tests. Default `Date.now`. */
  now?: () => number;
}

/** Default {@link MemoryStoreOptions.maxClients}. */
export const DEFAULT_MAX_CLIENTS = 100_000;

/** The in-memory store, with its size visible for monitoring and tests. */
export interface MemoryStore extends RateLimitStore {
  /** Number of keys currently tracked (at most `maxClients`). */
  readonly size: number;
}

/**
 * An in-process {@link RateLimitStore} implementing the segmented sliding
 * window (see `slidingWindowConsume`). Each key costs 13 counters and an
 * index; keys live in an LRU bounded by `maxClients`. `consume` reads and
 * writes a key's state without an `await` in between, so it is atomic per key
 * within the process. For several processes use a shared store (`@scopegate/redis`).
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  checkOptionNames(options, MEMORY_STORE_OPTION_NAMES, 'createMemoryStore()');
  const max = options.maxClients ?? DEFAULT_MAX_CLIENTS;
  if (!Number.isSafeInteger(max) || max < 1) {
    throw new ConfigurationError('rateLimit store: maxClients must be a positive integer');
  }
  const now = options.now ?? Date.now;
  const states = new LRUCache<string, SlidingWindowState>({ max });

  const consumeNow = (key: string, limit: number, windowSeconds: number): RateLimitResult => {
    let state = states.get(key);
    if (state === undefined) {
      state = createSlidingWindowState();
      states.set(key, state);
    }
    return slidingWindowConsumeInPlace(state, limit, windowSeconds, now());
  };

  return {
    get size() {
      return states.size;
    },
    // The rate limiter calls consumeNow directly: the window is in memory, nothing to wait for.
    consume: attachFastPath(
      (key: string, limit: number, windowSeconds: number): Promise<RateLimitResult> =>
        Promise.resolve(consumeNow(key, limit, windowSeconds)),
      consumeNow,
    ),
    close() {
      states.clear();
    },
  };
}
