/**
 * @scopegate/express: Express 4 and 5 middleware for OAuth 2.0 machine-to-
 * machine access tokens. Every decision (token, scopes, subject type, rate
 * limit) is made by `@scopegate/core`; this package only wires it to
 * Express's request, response and `next`.
 */

export type {
  RateLimitOptions,
  ScopeRequirement,
  SubjectType,
  VerifiedToken,
  Verifier,
  VerifierOptions,
} from '@scopegate/core';
// Re-exported so an app needs only this package for the common cases.
export {
  allOf,
  anyOf,
  createRateLimiter,
  createVerifier,
  isScopegateError,
  ScopegateError,
  scopeRequirement,
} from '@scopegate/core';
export { auth } from './auth.js';
export type {
  ExpressAdapterOptions,
  ExpressAuthOptions,
  ExpressEnvConfig,
  ExpressExistingVerifier,
  ExpressVerifierConfig,
} from './options.js';
export { requireAnyScope, requireScopes, requireSubjectType } from './require.js';
export type { ExpressScopegateError } from './respond.js';
export type { ErrorHandling } from './state.js';
