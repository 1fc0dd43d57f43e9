/**
 * @scopegate/testing: a test issuer for APIs protected by scopegate. Mints
 * access tokens scopegate accepts, and tokens it must refuse, without an
 * authorization server. For test suites only, never for production.
 * @packageDocumentation
 */
export { bearer } from './bearer.js';
export { type Claims, DEFAULT_CLAIM_NAMES, type DefaultClaimName, type Scopes } from './claims.js';
export {
  DEFAULT_INVALID_TOKEN_CLIENT_ID,
  INVALID_TOKEN_KINDS,
  INVALID_TOKEN_REASONS,
  type InvalidTokenKind,
  type InvalidTokenOptions,
  WRONG_AUDIENCE,
  WRONG_ISSUER,
} from './invalid-tokens.js';
export type { TokenHeader } from './jws.js';
export {
  type EcPublicJwk,
  type OkpPublicJwk,
  type PublicJwk,
  type PublicJwkSet,
  type RsaPublicJwk,
  TEST_ALGORITHMS,
  type TestAlgorithm,
} from './keys.js';
export { TEST_PROFILES, type TestProfile } from './profiles.js';
export {
  createTestIssuer,
  DEFAULT_ALGORITHM,
  DEFAULT_AUDIENCE,
  DEFAULT_EXPIRES_IN_SEC,
  DEFAULT_ISSUER,
  DEFAULT_USER_CLIENT_ID,
  type ListeningTestIssuer,
  type RemoteVerifierOptions,
  type RotateKeysOptions,
  type SignOptions,
  type StaticVerifierOptions,
  type TestIssuer,
  type TestIssuerOptions,
  type TokenMinter,
  type UserTokenOptions,
} from './test-issuer.js';
