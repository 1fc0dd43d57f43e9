export { DEFAULT_PREFIX, rateLimitRedisKey, redisKeyForStoreKey, userRateLimitRedisKey } from './key.js';
export {
  createRedisStore,
  DEFAULT_RETRY_AFTER_SECONDS,
  DEFAULT_TIMEOUT_MS,
  type RedisFailurePolicy,
  type RedisSendCommand,
  type RedisStoreOptions,
} from './redis-store.js';
