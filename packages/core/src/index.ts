export * from './errors.js';
export { createGuard, type Guard, type GuardOptions, type GuardRequest, type GuardResult } from './guard.js';
export { importVerificationKey, isSigningKey } from './keys/import-key.js';
export { KeySet } from './keys/key-set.js';
export type { KeySource, VerificationKey } from './keys/key-source.js';
export { createSecretKeySource, createStaticKeySource } from './keys/static-key-source.js';
export { type ClaimMetadataOptions, claimMetadata } from './rate-limit/claim-metadata.js';
export { type HydraAdminMetadataOptions, hydraAdminMetadata } from './rate-limit/hydra-admin.js';
export {
  createMemoryStore,
  DEFAULT_MAX_CLIENTS,
  type MemoryStore,
  type MemoryStoreOptions,
} from './rate-limit/memory-store.js';
export { isValidRateLimit, RATE_LIMIT_METADATA_KEY } from './rate-limit/metadata.js';
export {
  createRateLimiter,
  DEFAULT_RATE_LIMIT_POLICY,
  RATE_LIMIT_WINDOW_SECONDS,
  type RateLimitDecision,
  type RateLimiter,
} from './rate-limit/rate-limiter.js';
export {
  createSlidingWindowState,
  SLIDING_WINDOW_SEGMENTS,
  type SlidingWindowState,
  segmentMs,
  slidingWindowConsume,
  slidingWindowConsumeInPlace,
} from './rate-limit/sliding-window.js';
export type * from './types.js';
