/**
 * A {@link RateLimitStore} on Redis: one atomic script per request, shared by
 * every API instance that points at the same Redis, with a bounded wait and
 * an explicit policy for when Redis is down.
 */
import {
  ConfigurationError,
  checkOptionNames,
  type EventHandler,
  isValidRateLimit,
  type RateLimitResult,
  type RateLimitStore,
  type ScopegateEvent,
  TemporarilyUnavailableError,
} from '@scopegate/core';
import { assertValidPrefix, DEFAULT_PREFIX, redisKeyForStoreKey } from './key.js';
import { SLIDING_WINDOW_SCRIPT, SLIDING_WINDOW_SCRIPT_SHA1 } from './sliding-window-script.js';
import { withTimeout } from './with-timeout.js';

/**
 * Sends one raw Redis command and resolves its reply, e.g.
 * `(...args) => client.call(...args)` (ioredis) or
 * `(...args) => client.sendCommand(args)` (node-redis v5/v6).
 */
export type RedisSendCommand = (...args: string[]) => Promise<unknown>;

/** What the store does when Redis fails or does not answer within `timeoutMs`. */
export type RedisFailurePolicy = 'allow' | 'reject';

/** Options of {@link createRedisStore}. */
export interface RedisStoreOptions {
  /** Sends a raw command through your Redis client (see {@link RedisSendCommand}). Required. */
  sendCommand: RedisSendCommand;
  /** Prefix of every key: a string without `{` or `}`. Default `'scopegate:rl:'`. */
  prefix?: string;
  /**
   * Longest wait for Redis per request, in milliseconds, script loading
   * included: an integer from 1 to 2147483647 (`setTimeout`'s range). Default 200.
   */
  timeoutMs?: number;
  /**
   * When Redis fails or is slow: `'allow'` (default) lets the request through
   * uncounted (fail open); `'reject'` throws a `TemporarilyUnavailableError`
   * (503 with `Retry-After`).
   */
  onError?: RedisFailurePolicy;
  /** `Retry-After` seconds of the 503 under `onError: 'reject'`: a positive integer. Default 5. */
  retryAfterSeconds?: number;
  /**
   * Receives `rate_limit_store_failed` once when Redis starts failing and
   * `rate_limit_store_recovered` once when it answers again (per outage, not
   * per request). Must be a function if given. Default: none.
   */
  onEvent?: EventHandler;
}

/**
 * Every option name of {@link RedisStoreOptions}; any other key is refused.
 * `satisfies` rejects a name the type does not have, and test/types.test.ts
 * fails when the type has one missing here.
 */
export const REDIS_STORE_OPTION_KEYS = [
  'sendCommand',
  'prefix',
  'timeoutMs',
  'onError',
  'retryAfterSeconds',
  'onEvent',
] as const satisfies readonly (keyof RedisStoreOptions)[];

/** Default {@link RedisStoreOptions.timeoutMs}. */
export const DEFAULT_TIMEOUT_MS = 200;
/** Default {@link RedisStoreOptions.retryAfterSeconds}. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

/** Longest {@link RedisStoreOptions.timeoutMs}: the largest delay `setTimeout` honours (2^31 - 1 ms). */
const MAX_TIMEOUT_MS = 2_147_483_647;

const MAX_ERROR_LENGTH = 200;

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH)}…` : text;
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

/**
 * A reply the rate-limit script cannot give (a proxy, a wrong script under
 * the same SHA-1, a client that maps replies oddly). Handled like a Redis
 * failure, so garbage never reaches the result and its headers. The message
 * names the field, never the reply's content.
 */
class MalformedReplyError extends Error {
  constructor(detail: string) {
    super(`malformed reply from the rate-limit script: ${detail}`);
    this.name = 'MalformedReplyError';
  }
}

// Integer replies arrive as numbers (RESP), bigints or decimal strings depending on the client.
const DECIMAL_INTEGER = /^-?\d{1,16}$/;

function replyInteger(value: unknown, field: string): number {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'bigint' || (typeof value === 'string' && DECIMAL_INTEGER.test(value))
        ? Number(value)
        : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new MalformedReplyError(`${field} is not an integer`);
  return n === 0 ? 0 : n; // no -0 in results
}

/**
 * Checks the script's `{allowed, remaining, resetSeconds}` against what the
 * script can answer for `limit`: allowed 0 or 1; 0 <= remaining <= limit - 1
 * when allowed, remaining 0 when rejected; resetSeconds a non-negative integer.
 *
 * @throws MalformedReplyError for anything else.
 */
function parseReply(reply: unknown, limit: number): RateLimitResult {
  if (!Array.isArray(reply) || reply.length !== 3) throw new MalformedReplyError('not a list of 3 integers');
  const allowed = replyInteger(reply[0], 'allowed');
  if (allowed !== 0 && allowed !== 1) throw new MalformedReplyError('allowed is not 0 or 1');
  const remaining = replyInteger(reply[1], 'remaining');
  if (remaining < 0 || remaining > limit - allowed || (allowed === 0 && remaining !== 0)) {
    throw new MalformedReplyError('remaining is out of range');
  }
  const resetSeconds = replyInteger(reply[2], 'resetSeconds');
  if (resetSeconds < 0) throw new MalformedReplyError('resetSeconds is negative');
  return { allowed: allowed === 1, limit, remaining, resetSeconds };
}

/**
 * Creates a Redis-backed {@link RateLimitStore} for the `rateLimit.store`
 * option of the adapters. It implements the same segmented sliding window as
 * the in-memory store, with the same guarantee (never more than `limit`
 * admissions in any window), across every instance sharing the Redis.
 *
 * The store does not own the Redis connection: create, reconnect and close
 * your client yourself. No Redis client library is a dependency.
 *
 * Defaults: `prefix` `'scopegate:rl:'`, `timeoutMs` 200, `onError` `'allow'`,
 * `retryAfterSeconds` 5, no `onEvent`.
 *
 * @throws ConfigurationError (`reason: 'misconfigured'`) at construction for
 * any invalid option, naming the option, and for an unknown option name (a
 * key that is not a {@link RedisStoreOptions} name, even with the value
 * `undefined`), e.g. "scopegate: createRedisStore(): unknown option `timeoutMS`
 * (did you mean `timeoutMs`?); accepted: ...". Messages never quote an option's value.
 * @example
 * ```ts
 * const redis = new Redis(process.env.REDIS_URL);           // ioredis
 * const store = createRedisStore({ sendCommand: (...args) => redis.call(...args) });
 * ```
 */
export function createRedisStore(options: RedisStoreOptions): RateLimitStore {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('createRedisStore: options must be an object with sendCommand');
  }
  // First: a misspelt `sendCommand` is reported as such, not as a missing one.
  checkOptionNames(options, REDIS_STORE_OPTION_KEYS, 'createRedisStore()');
  const { sendCommand } = options;
  if (typeof sendCommand !== 'function') {
    throw new ConfigurationError('createRedisStore: sendCommand must be a function');
  }
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  assertValidPrefix(prefix);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // setTimeout's range: a longer delay fires after 1 ms, so every request would time out.
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS) {
    throw new ConfigurationError(
      `createRedisStore: timeoutMs must be an integer from 1 to ${MAX_TIMEOUT_MS} (milliseconds)`,
    );
  }
  const policy = options.onError ?? 'allow';
  if (policy !== 'allow' && policy !== 'reject') {
    throw new ConfigurationError("createRedisStore: onError must be 'allow' or 'reject'");
  }
  const retryAfterSeconds = options.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS;
  // Sent as the Retry-After header (delay-seconds): a positive whole number.
  if (!Number.isSafeInteger(retryAfterSeconds) || retryAfterSeconds < 1) {
    throw new ConfigurationError('createRedisStore: retryAfterSeconds must be a positive integer (seconds)');
  }
  const onEvent = options.onEvent;
  if (onEvent !== undefined && typeof onEvent !== 'function') {
    throw new ConfigurationError('createRedisStore: onEvent must be a function');
  }

  // Outage tracking. `epoch` changes at every transition; only a request that
  // started in the current state may cause the next transition, so late
  // replies of older requests cannot make the events flap.
  let failing = false;
  let epoch = 0;

  function emit(event: ScopegateEvent): void {
    if (!onEvent) return;
    try {
      onEvent(event);
    } catch {
      // An event handler must not break rate limiting.
    }
  }

  // A request whose wait has ended sends nothing more: a command queued in the
  // client during an outage must not be retried (and counted) on reconnect.
  interface Attempt {
    abandoned: boolean;
  }
  function checkAbandoned(attempt: Attempt): void {
    if (attempt.abandoned) throw new Error('abandoned after the timeout');
  }

  async function run(attempt: Attempt, redisKey: string, limit: number, windowMs: number): Promise<unknown> {
    const tail = ['1', redisKey, String(limit), String(windowMs)];
    try {
      return await sendCommand('EVALSHA', SLIDING_WINDOW_SCRIPT_SHA1, ...tail);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      // First use on this server (or after SCRIPT FLUSH, a restart, a failover). EVAL is
      // routed by the key like EVALSHA, so in Redis Cluster it reaches the node that owns
      // the key (SCRIPT LOAD carries no key and could land on another node); the server
      // caches the script, and the next EVALSHA there finds it.
      checkAbandoned(attempt);
      return await sendCommand('EVAL', SLIDING_WINDOW_SCRIPT, ...tail);
    }
  }

  return {
    async consume(key: string, limit: number, windowSeconds: number): Promise<RateLimitResult> {
      // Whole requests, as core's limiter passes them; the reply check relies on it.
      if (!isValidRateLimit(limit)) {
        throw new ConfigurationError('rate limit must be a non-negative integer');
      }
      if (typeof windowSeconds !== 'number' || !(windowSeconds > 0) || !Number.isFinite(windowSeconds)) {
        throw new ConfigurationError('rate-limit window must be a positive number of seconds');
      }
      const redisKey = redisKeyForStoreKey(key, prefix);
      const startEpoch = epoch;
      try {
        const attempt: Attempt = { abandoned: false };
        const reply = await withTimeout(
          run(attempt, redisKey, limit, windowSeconds * 1000),
          timeoutMs,
          () => {
            attempt.abandoned = true;
          },
        );
        // Inside the try: a malformed reply takes the failure path (event, onError policy).
        const result = parseReply(reply, limit);
        if (failing && startEpoch === epoch) {
          failing = false;
          epoch++;
          emit({ type: 'rate_limit_store_recovered' });
        }
        return result;
      } catch (error) {
        if (!failing && startEpoch === epoch) {
          failing = true;
          epoch++;
          emit({ type: 'rate_limit_store_failed', error: describe(error) });
        }
        if (policy === 'reject') {
          throw new TemporarilyUnavailableError('the rate-limit store is temporarily unavailable', {
            cause: error,
            retryAfter: retryAfterSeconds,
            reason: 'rate_limit_store_unavailable',
          });
        }
        // Fail open: admitted and uncounted, full quota reported.
        return { allowed: true, limit, remaining: limit, resetSeconds: 0 };
      }
    },
  };
}
