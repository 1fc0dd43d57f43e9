/**
 * Redis key naming. Every client's state lives in one key whose client part
 * is a Redis Cluster hash tag (`{...}`), so a client's key always maps to one
 * slot and the single-key script stays valid in a cluster.
 */
import { ConfigurationError } from '@scopegate/core';

/** Default key prefix of {@link createRedisStore}. */
export const DEFAULT_PREFIX = 'scopegate:rl:';

/**
 * Escapes a client key so it cannot end or open the hash tag early: `%`, `{`
 * and `}` are percent-encoded (`%25`, `%7B`, `%7D`), which keeps distinct ids
 * distinct and the key readable.
 */
export function escapeHashTagContent(key: string): string {
  return key.replace(/[%{}]/g, (c) => (c === '%' ? '%25' : c === '{' ? '%7B' : '%7D'));
}

/**
 * Throws a {@link ConfigurationError} for a prefix that would break the hash
 * tag (a `{` or `}` in the prefix would make Redis Cluster hash that part instead).
 */
export function assertValidPrefix(prefix: string): void {
  if (prefix.includes('{') || prefix.includes('}')) {
    throw new ConfigurationError('the Redis rate-limit key prefix must not contain "{" or "}"');
  }
}

/**
 * The Redis key that holds the rate-limit state of `key` (usually a client
 * id): `<prefix>{<escaped key>}`, e.g. `scopegate:rl:{nightly-data-sync}`.
 * Useful to inspect or reset one client's state with `redis-cli`.
 *
 * @param key - the key the adapters pass to `RateLimitStore.consume`.
 * @param prefix - key prefix; default `'scopegate:rl:'`. Must not contain `{` or `}`.
 */
export function rateLimitRedisKey(key: string, prefix: string = DEFAULT_PREFIX): string {
  assertValidPrefix(prefix);
  return `${prefix}{${escapeHashTagContent(key)}}`;
}
