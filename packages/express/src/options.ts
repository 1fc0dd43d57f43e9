/**
 * Public option types of `auth()`, and the `req.auth` declaration merge.
 */
import {
  type RateLimiter,
  type RateLimitOptions,
  VERIFIER_OPTION_NAMES,
  type VerifiedToken,
  type Verifier,
  type VerifierOptions,
} from '@scopegate/core';
import type { ErrorHandling } from './state.js';

declare global {
  namespace Express {
    interface Request {
      /**
       * The verified access token, set by `auth()` (or by `requireScopes` /
       * `requireAnyScope` / `requireSubjectType` when they authenticate on
       * their own). `undefined` before authentication and, with
       * `authRequired: false`, for requests without a token.
       */
      auth?: VerifiedToken;
    }
  }
}

/** Options `auth()` adds to the verifier's. */
export interface ExpressAdapterOptions {
  /**
   * Per-client rate limits (see the contract and the core README), or a
   * limiter made with core's `createRateLimiter` to share one between
   * middleware. Runs after verification, before the route. Default: no limit.
   */
  rateLimit?: RateLimitOptions | RateLimiter;
  /**
   * `true` (default): a request without any token is answered 401. `false`:
   * it passes with `req.auth` unset (a later `require*` answers 401); a
   * request with a bad token is still rejected.
   */
  authRequired?: boolean;
  /**
   * `'respond'` (default): the middleware answers rejections itself (status,
   * `WWW-Authenticate` / `Retry-After` / `RateLimit*` headers, JSON body).
   * `'next'`: the headers are set on `res` and the `ScopegateError` is passed
   * to `next(err)` (with the headers also on `err.responseHeaders`), for apps
   * with their own error handler. `require*` after this `auth()` follow the
   * same mode.
   */
  errorHandling?: ErrorHandling;
}

/** `auth()` configured with explicit verifier options (`issuer` and `audience` required). */
export type ExpressVerifierConfig = VerifierOptions & { verifier?: never };

/**
 * `auth()` reusing a verifier made with `createVerifier` (e.g. shared with another adapter or a
 * gateway). The verifier's own options are fixed when it is created, so only the two the
 * middleware applies itself may be given beside it; any other is a `ConfigurationError`.
 */
export type ExpressExistingVerifier = {
  /** The verifier to use. */
  verifier: Verifier;
  /** Scope matching for `require*` after this `auth()`. Default: the verifier's `scopeMatch`. */
  scopeMatch?: VerifierOptions['scopeMatch'];
  /** Receives the rate limiter's events (when `rateLimit.onEvent` is not set). Default: none. */
  onEvent?: VerifierOptions['onEvent'];
} & { [K in Exclude<keyof VerifierOptions, 'scopeMatch' | 'onEvent'>]?: never };

/**
 * `auth()` configured from `SCOPEGATE_ISSUER`, `SCOPEGATE_AUDIENCE` and
 * `SCOPEGATE_JWKS_URI`; any other verifier option given here overrides the
 * environment's.
 */
export type ExpressEnvConfig = Partial<Omit<VerifierOptions, 'issuer' | 'audience'>> & {
  issuer?: never;
  audience?: never;
  verifier?: never;
};

/** Options of {@link auth}: a verifier configuration (explicit, reused, or from the environment) plus adapter options. */
export type ExpressAuthOptions = ExpressAdapterOptions &
  (ExpressVerifierConfig | ExpressExistingVerifier | ExpressEnvConfig);

/**
 * Every option name `auth()` accepts: its own, `verifier`, and the verifier options. Any other
 * name is a `ConfigurationError`. test/types.test.ts keeps it equal to the types.
 */
export const AUTH_OPTION_NAMES = Object.freeze([
  'rateLimit',
  'authRequired',
  'errorHandling',
  'verifier',
  ...VERIFIER_OPTION_NAMES,
] as const) satisfies readonly (keyof ExpressAdapterOptions | 'verifier' | keyof VerifierOptions)[];

/** The verifier options that may accompany `verifier`: the middleware applies them, not the verifier. */
export const BESIDE_VERIFIER_OPTION_NAMES: readonly string[] = Object.freeze(['scopeMatch', 'onEvent']);
