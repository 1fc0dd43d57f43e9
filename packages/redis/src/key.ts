/**
 * Redis key naming. Every client's state lives in one key whose client part
 * is a Redis Cluster hash tag (`{...}`), so a client's key always maps to one
 * slot and the single-key script stays valid in a cluster.
 *
 * Two steps lead from a client id to its Redis key: core's rate limiter turns
 * the id into a store key (`client:<id>`, see {@link clientStoreKey}) and
 * passes that to `consume`; the store turns the store key into the Redis key
 * ({@link redisKeyForStoreKey}). The exported helpers run both steps through
 * the very function `consume` uses, so they name the key Redis actually holds.
 */
import { ConfigurationError, rateLimitStoreKey } from '@scopegate/core';

/** Default key prefix of {@link createRedisStore}. */
export const DEFAULT_PREFIX = 'scopegate:rl:';

/**
 * The store key core's rate limiter passes to `consume` for an id:
 * `client:<id>` / `user:<subject>`, or for an id longer than 128 characters
 * `client:#<base64url SHA-256 of the id>` (likewise `user:#…`). Core's own
 * function, so the two cannot drift apart.
 */
export const clientStoreKey: (kind: 'client' | 'user', id: string) => string = rateLimitStoreKey;

/**
 * Escapes a client key so it cannot end or open the hash tag early: `%`, `{`
 * and `}` are percent-encoded (`%25`, `%7B`, `%7D`), which keeps distinct ids
 * distinct and the key readable.
 */
export function escapeHashTagContent(key: string): string {
  return key.replace(/[%{}]/g, (c) => (c === '%' ? '%25' : c === '{' ? '%7B' : '%7D'));
}

/**
 * Throws a {@link ConfigurationError} for a prefix that is not a string or
 * would break the hash tag (a `{` or `}` in the prefix would make Redis
 * Cluster hash that part instead).
 */
export function assertValidPrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== 'string') {
    throw new ConfigurationError('the Redis rate-limit key prefix must be a string');
  }
  if (prefix.includes('{') || prefix.includes('}')) {
    throw new ConfigurationError('the Redis rate-limit key prefix must not contain "{" or "}"');
  }
}

/**
 * The Redis key of a store key, exactly as `consume(storeKey, …)` writes it:
 * `<prefix>{<escaped store key>}`. This is the function the store itself
 * uses. For a client id, use {@link rateLimitRedisKey} instead.
 *
 * @param storeKey - the key passed to `RateLimitStore.consume` (from the adapters: `client:<id>`).
 * @param prefix - key prefix; default `'scopegate:rl:'`. Must not contain `{` or `}`.
 * @throws ConfigurationError for an invalid prefix.
 */
export function redisKeyForStoreKey(storeKey: string, prefix: string = DEFAULT_PREFIX): string {
  assertValidPrefix(prefix);
  return `${prefix}{${escapeHashTagContent(storeKey)}}`;
}

/**
 * The Redis key holding the rate-limit state of a client, as the adapters
 * write it: `<prefix>{client:<client id>}`, e.g.
 * `scopegate:rl:{client:nightly-data-sync}`; a client id longer than 128
 * characters is hashed (`scopegate:rl:{client:#<base64url SHA-256>}`).
 * Useful to inspect or reset one client's state with `redis-cli`.
 *
 * @param clientId - the client id the limiter keys by (the token's client id).
 * @param prefix - key prefix; default `'scopegate:rl:'`. Must not contain `{` or `}`.
 * @throws ConfigurationError for an invalid prefix.
 */
export function rateLimitRedisKey(clientId: string, prefix: string = DEFAULT_PREFIX): string {
  return redisKeyForStoreKey(clientStoreKey('client', clientId), prefix);
}

/**
 * The Redis key holding the rate-limit state of a user subject, which the
 * adapters limit under `rateLimit.appliesTo: 'all'`: `<prefix>{user:<subject>}`
 * (a subject longer than 128 characters hashed like a client id).
 *
 * @param subject - the token's subject (`sub`).
 * @param prefix - key prefix; default `'scopegate:rl:'`. Must not contain `{` or `}`.
 * @throws ConfigurationError for an invalid prefix.
 */
export function userRateLimitRedisKey(subject: string, prefix: string = DEFAULT_PREFIX): string {
  return redisKeyForStoreKey(clientStoreKey('user', subject), prefix);
}
