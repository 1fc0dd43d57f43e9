export { authorizationHeader, extractBearerToken } from './authorization-header.js';
export { createVerifierFromEnv, ENV_VARIABLES } from './env.js';
export { type ErrorResponse, InternalError, toErrorResponse } from './error-response.js';
export * from './errors.js';
export { createGuard, type Guard, type GuardOptions, type GuardRequest, type GuardResult } from './guard.js';
export {
  type ClaimRuleOptions,
  type ClaimRules,
  checkClaims,
  checkTimes,
  checkTokenType,
  compileClaimRules,
  DEFAULT_CLOCK_TOLERANCE_SEC,
  normalizeTyp,
} from './jwt/claims.js';
export { DEFAULT_MAX_TOKEN_LENGTH, decodePayload, type JwsParts, parseJws } from './jwt/parse.js';
export { isHmacAlgorithm, SUPPORTED_ALGORITHMS, verifyJwsSignature } from './jwt/signature.js';
export {
  DiscoveryError,
  discoverIssuerMetadata,
  discoveryUrls,
  type IssuerMetadata,
} from './keys/discovery.js';
export {
  checkUrlPolicy,
  FetchJsonError,
  type FetchJsonFailure,
  type FetchJsonOptions,
  fetchJson,
  isLoopbackHost,
  type JsonDocument,
} from './keys/fetch-json.js';
export { importVerificationKey, isSigningKey } from './keys/import-key.js';
export {
  JWKS_CACHE_DEFAULTS,
  JwksCache,
  type JwksCacheConfig,
  type JwksCacheStatus,
} from './keys/jwks-cache.js';
export { KeySet } from './keys/key-set.js';
export type { KeySource, VerificationKey } from './keys/key-source.js';
export {
  createRemoteKeySource,
  type RemoteKeySource,
  type RemoteKeySourceOptions,
} from './keys/remote-key-source.js';
export { createSecretKeySource, createStaticKeySource } from './keys/static-key-source.js';
export {
  CLAIM_METADATA_OPTION_NAMES,
  checkOptionNames,
  GUARD_OPTION_NAMES,
  HYDRA_ADMIN_OPTION_NAMES,
  JWKS_CACHE_CONFIG_NAMES,
  JWKS_CACHE_OPTION_NAMES,
  MEMORY_STORE_OPTION_NAMES,
  RATE_LIMIT_OPTION_NAMES,
  REMOTE_KEY_SOURCE_OPTION_NAMES,
  REQUIREMENT_NAMES,
  suggestOptionName,
  TOKEN_CACHE_OPTION_NAMES,
  VERIFIER_OPTION_NAMES,
} from './option-names.js';
export { getProfile, PROFILES, type Profile } from './profiles.js';
export { type ClaimMetadataOptions, claimMetadata } from './rate-limit/claim-metadata.js';
export { type HydraAdminMetadataOptions, hydraAdminMetadata } from './rate-limit/hydra-admin.js';
export {
  createMemoryStore,
  DEFAULT_MAX_CLIENTS,
  type MemoryStore,
  type MemoryStoreOptions,
} from './rate-limit/memory-store.js';
export {
  DEFAULT_METADATA_TIMEOUT_MS,
  isValidRateLimit,
  RATE_LIMIT_METADATA_KEY,
} from './rate-limit/metadata.js';
export {
  createRateLimiter,
  DEFAULT_RATE_LIMIT_POLICY,
  RATE_LIMIT_WINDOW_SECONDS,
  type RateLimitDecision,
  type RateLimiter,
  rateLimitStoreKey,
} from './rate-limit/rate-limiter.js';
export {
  createSlidingWindowState,
  SLIDING_WINDOW_SEGMENTS,
  type SlidingWindowState,
  segmentMs,
  slidingWindowConsume,
  slidingWindowConsumeInPlace,
} from './rate-limit/sliding-window.js';
export {
  allOf,
  anyOf,
  checkRequirement,
  compileRequirement,
  type ScopeMatch,
  scopeRequirement,
  scopesSatisfy,
} from './scopes.js';
export {
  clientIdClaim,
  collectScopes,
  genericClientId,
  genericScopes,
  genericSubjectType,
  ScopeSet,
} from './subject.js';
export { createTokenCache, DEFAULT_TOKEN_CACHE_ENTRIES, type TokenCache } from './token-cache.js';
export type * from './types.js';
export {
  createVerifier,
  DEFAULT_ALGORITHMS,
  DEFAULT_HMAC_ALGORITHMS,
  MIN_SECRET_BYTES,
} from './verifier.js';
