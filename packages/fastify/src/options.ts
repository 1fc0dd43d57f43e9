import type { RateLimiter, RateLimitOptions, Verifier, VerifierOptions } from '@scopegate/core';

/** Options every form of {@link ScopegateOptions} shares. */
export interface ScopegateCommonOptions {
  /**
   * Per-client rate limits, counted after a token verifies and before the
   * route's requirement and handler. See the core README for the algorithm.
   * Options (the plugin creates and closes the limiter), or a limiter from
   * `createRateLimiter` to share one budget between registrations (it is not
   * closed by the plugin). Default: no rate limit.
   */
  rateLimit?: RateLimitOptions | RateLimiter;
  /**
   * `true` (default): every route of the registering context needs a valid
   * token unless its config says `auth: false`. `false`: a request without
   * any token passes with `request.auth === null` (a token that is present
   * but bad is still rejected, and routes with `scopes`, `anyScope` or
   * `subjectType` still need one).
   */
  authRequired?: boolean;
}

/** Give the verifier options (`issuer`, `audience`, key source, …): the plugin builds the verifier. */
export type ScopegateVerifierOptions = VerifierOptions & ScopegateCommonOptions & { verifier?: undefined };

/**
 * Or give a verifier built with `createVerifier` (e.g. one shared with other code). Its options
 * are fixed when it is created, so no verifier option may be given beside it (a
 * `ConfigurationError`), except `onEvent`, which the plugin's rate limiter reports to.
 */
export type ScopegateExistingVerifierOptions = {
  /** A verifier from `createVerifier`. Default: one built from the verifier options. */
  verifier: Verifier;
  /** Receives the rate limiter's events (when `rateLimit.onEvent` is not set). Default: none. */
  onEvent?: VerifierOptions['onEvent'];
} & ScopegateCommonOptions & { [K in Exclude<keyof VerifierOptions, 'onEvent'>]?: never };

/** Options of the `scopegate` plugin. */
export type ScopegateOptions = ScopegateVerifierOptions | ScopegateExistingVerifierOptions;
