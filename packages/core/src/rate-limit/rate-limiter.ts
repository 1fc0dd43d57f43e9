import { createHash } from 'node:crypto';
import { ConfigurationError, isScopegateError, RateLimitedError } from '../errors.js';
import { attachFastPath, fastPathOf, isPromise, type MaybePromise } from '../fast-path.js';
import { checkOptionNames, RATE_LIMIT_OPTION_NAMES } from '../option-names.js';
import type { RateLimitOptions, RateLimitResult, RateLimitStore, VerifiedToken } from '../types.js';
import { createMemoryStore } from './memory-store.js';
import { createLimitResolver, DEFAULT_METADATA_TIMEOUT_MS, emit, isValidRateLimit } from './metadata.js';

/** Window of every scopegate limit: `rate_limit_per_minute` is per 60 seconds. */
export const RATE_LIMIT_WINDOW_SECONDS = 60;

/** Default {@link RateLimitOptions.policyName}. */
export const DEFAULT_RATE_LIMIT_POLICY = 'client';

/** Outcome of {@link RateLimiter.check}. */
export interface RateLimitDecision {
  /** Whether the request may proceed (also `true` when no limit applies). */
  readonly allowed: boolean;
  /**
   * Response headers, lower-case names: `ratelimit-policy` and `ratelimit`
   * when a limit applies, plus `retry-after` when rejected; empty when no
   * limit applies.
   */
  readonly headers: Readonly<Record<string, string>>;
  /** The 429 to answer with, when not allowed. */
  readonly error?: RateLimitedError;
}

/** A configured per-client rate limiter (what the adapters run after verification). */
export interface RateLimiter {
  /** Counts the request of a verified token against its limit, if one applies. */
  check(auth: VerifiedToken): Promise<RateLimitDecision>;
  /** Closes the store if this limiter created it (the default in-memory one); a store passed in stays open. */
  close(): Promise<void>;
}

const EMPTY_HEADERS: Readonly<Record<string, string>> = Object.freeze({});
const NO_LIMIT: RateLimitDecision = Object.freeze({ allowed: true, headers: EMPTY_HEADERS });
// Distinct limits are few (one per configured value); past this many, header strings are built per request.
const MAX_CACHED_POLICIES = 1024;

/**
 * Creates the per-client rate limiter from the adapters' `rateLimit` option.
 *
 * Which requests are limited: with `appliesTo: 'clients'` (default) only
 * tokens whose `subjectType` is `'client'`, keyed by `clientId`; with
 * `'all'` also user tokens, keyed by `subject`, with the limit of their
 * client's metadata, else `defaultPerMinute`. A subject with neither a
 * metadata limit nor `defaultPerMinute` is not limited and gets no headers.
 *
 * Failures: a `ScopegateError` from the store or the metadata source (e.g. a
 * store configured to answer 503 when its backend is down) is rethrown; any
 * other store error lets the request through (fail open) and is reported once
 * per outage as `rate_limit_store_failed`, then `rate_limit_store_recovered`.
 * A metadata source that throws something else, or whose promise does not
 * settle within `metadataTimeoutMs`, is reported and the client gets
 * `defaultPerMinute` (a `hydraAdminMetadata()` source is given at least its
 * own `timeoutMs` plus 250 ms, so its `onUnavailable` decides).
 *
 * @throws ConfigurationError for an invalid `defaultPerMinute`, `appliesTo`, `policyName` or
 *   `metadataTimeoutMs`, or an unknown option name.
 */
export function createRateLimiter(options: RateLimitOptions = {}): RateLimiter {
  if (typeof options !== 'object' || options === null)
    throw new ConfigurationError('rateLimit must be an options object or a rate limiter');
  checkOptionNames(options, RATE_LIMIT_OPTION_NAMES, 'rateLimit');
  const { defaultPerMinute, onEvent } = options;
  if (defaultPerMinute !== undefined && !isValidRateLimit(defaultPerMinute)) {
    throw new ConfigurationError('rateLimit.defaultPerMinute must be a non-negative integer');
  }
  const appliesTo = options.appliesTo ?? 'clients';
  if (appliesTo !== 'clients' && appliesTo !== 'all') {
    throw new ConfigurationError("rateLimit.appliesTo must be 'clients' or 'all'");
  }
  const policy = quotePolicy(options.policyName ?? DEFAULT_RATE_LIMIT_POLICY);
  const ownsStore = options.store === undefined;
  const store: RateLimitStore = options.store ?? createMemoryStore();
  const metadataTimeoutMs = options.metadataTimeoutMs ?? DEFAULT_METADATA_TIMEOUT_MS;
  // setTimeout's range: a longer delay would fire at once.
  if (!Number.isInteger(metadataTimeoutMs) || metadataTimeoutMs < 1 || metadataTimeoutMs > 2_147_483_647) {
    throw new ConfigurationError('rateLimit.metadataTimeoutMs must be a positive integer (milliseconds)');
  }
  const resolveLimit = options.clientMetadata
    ? createLimitResolver(options.clientMetadata, onEvent, metadataTimeoutMs)
    : undefined;

  const policyHeaders = new Map<number, string>();
  const policyHeader = (limit: number): string => {
    let value = policyHeaders.get(limit);
    if (value === undefined) {
      value = `${policy};q=${limit};w=${RATE_LIMIT_WINDOW_SECONDS}`;
      if (policyHeaders.size < MAX_CACHED_POLICIES) policyHeaders.set(limit, value);
    }
    return value;
  };

  let storeFailing = false;
  // Store keys by id, built once: saves a concatenation (and its flattening on lookup) per request.
  const clientKeys = new Map<string, string>();
  const userKeys = new Map<string, string>();
  // The in-memory store answers synchronously; any other store (or a wrapped consume) is awaited.
  const consumeNow = fastPathOf<(key: string, limit: number, window: number) => RateLimitResult>(
    store.consume,
  );

  const storeFailed = (error: unknown): RateLimitDecision => {
    if (isScopegateError(error)) throw error;
    if (!storeFailing) {
      storeFailing = true;
      emit(onEvent, {
        type: 'rate_limit_store_failed',
        error: error instanceof Error ? error.message : String(error),
      });
    }
    return NO_LIMIT;
  };

  const decide = (result: RateLimitResult, limit: number): RateLimitDecision => {
    if (storeFailing) {
      storeFailing = false;
      emit(onEvent, { type: 'rate_limit_store_recovered' });
    }
    const rate = `${policy};r=${result.remaining};t=${result.resetSeconds}`;
    if (result.allowed) {
      return { allowed: true, headers: { 'ratelimit-policy': policyHeader(limit), ratelimit: rate } };
    }
    const error = new RateLimitedError(result.resetSeconds);
    return {
      allowed: false,
      headers: {
        'ratelimit-policy': policyHeader(limit),
        ratelimit: rate,
        'retry-after': String(error.retryAfter),
      },
      error,
    };
  };

  const consume = (key: string, limit: number): MaybePromise<RateLimitDecision> => {
    let result: MaybePromise<RateLimitResult>;
    try {
      result =
        consumeNow !== undefined
          ? consumeNow(key, limit, RATE_LIMIT_WINDOW_SECONDS)
          : store.consume(key, limit, RATE_LIMIT_WINDOW_SECONDS);
    } catch (error) {
      return storeFailed(error);
    }
    if (isPromise(result))
      return Promise.resolve(result).then((resolved) => decide(resolved, limit), storeFailed);
    return decide(result, limit);
  };

  const withLimit = (key: string, limit: number | undefined): MaybePromise<RateLimitDecision> =>
    limit === undefined ? NO_LIMIT : consume(key, limit);

  // Throws (or rejects with) a ScopegateError from the store or the metadata source.
  const checkNow = (auth: VerifiedToken): MaybePromise<RateLimitDecision> => {
    let key: string;
    if (auth.subjectType === 'client') {
      key = memoKey(clientKeys, 'client:', auth.clientId ?? auth.subject);
    } else if (appliesTo === 'all') {
      key = memoKey(userKeys, 'user:', auth.subject);
    } else {
      return NO_LIMIT;
    }
    const clientId = auth.clientId ?? (auth.subjectType === 'client' ? auth.subject : undefined);
    if (resolveLimit === undefined || clientId === undefined) return withLimit(key, defaultPerMinute);
    const found = resolveLimit(clientId, auth);
    if (typeof found === 'object')
      return Promise.resolve(found).then((limit) => withLimit(key, limit ?? defaultPerMinute));
    return withLimit(key, found ?? defaultPerMinute);
  };

  const check = (auth: VerifiedToken): Promise<RateLimitDecision> => {
    try {
      return Promise.resolve(checkNow(auth));
    } catch (error) {
      return Promise.reject(error);
    }
  };
  return {
    // The guard finds checkNow on check itself (see fast-path.ts).
    check: attachFastPath(check, checkNow),
    async close() {
      if (ownsStore) await store.close?.();
    },
  };
}

// Ids are bounded only by the token size; hashing long ones keeps every store's per-key memory small.
const MAX_PLAIN_ID_LENGTH = 128;

// Bound of each id → store key memo; when full it starts over (ids only come from verified tokens).
const MAX_MEMO_KEYS = 4096;

function memoKey(memo: Map<string, string>, prefix: 'client:' | 'user:', id: string): string {
  // Long ids are hashed every time: the memo holds at most MAX_MEMO_KEYS short ids.
  if (id.length > MAX_PLAIN_ID_LENGTH) return counterKey(prefix, id);
  let key = memo.get(id);
  if (key === undefined) {
    key = counterKey(prefix, id);
    if (memo.size >= MAX_MEMO_KEYS) memo.clear();
    memo.set(id, key);
  }
  return key;
}

/**
 * The key the rate limiter passes to `RateLimitStore.consume` for a client id
 * or a user subject: `client:<id>` / `user:<subject>`; an id longer than 128
 * characters becomes `client:#<base64url SHA-256 of the id>` (likewise
 * `user:#…`). For stores that name their own keys after it (`@scopegate/redis`).
 */
export function rateLimitStoreKey(kind: 'client' | 'user', id: string): string {
  return counterKey(kind === 'client' ? 'client:' : 'user:', id);
}

/** The store key of a client or user: `client:<id>` / `user:<subject>`, long ids as `…#<sha256>`. */
function counterKey(prefix: 'client:' | 'user:', id: string): string {
  if (id.length <= MAX_PLAIN_ID_LENGTH) return prefix + id;
  return `${prefix}#${createHash('sha256').update(id).digest('base64url')}`;
}

// The policy is an RFC 8941 sf-string: printable ASCII, with `"` and `\` escaped.
function quotePolicy(name: string): string {
  if (typeof name !== 'string' || name.length === 0 || !/^[\x20-\x7e]+$/.test(name)) {
    throw new ConfigurationError('rateLimit.policyName must be non-empty printable ASCII');
  }
  return `"${name.replace(/["\\]/g, '\\$&')}"`;
}
