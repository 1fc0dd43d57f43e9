import {
  type RateLimiter,
  type RateLimitOptions,
  VERIFIER_OPTION_NAMES,
  type Verifier,
  type VerifierOptions,
} from '@scopegate/core';
import type { RegisterOptions } from 'fastify';

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
 * `ConfigurationError`), except the two the plugin applies itself: `scopeMatch` and `onEvent`.
 */
export type ScopegateExistingVerifierOptions = {
  /** A verifier from `createVerifier`. Default: one built from the verifier options. */
  verifier: Verifier;
  /** Scope matching for the routes' requirements. Default: the verifier's `scopeMatch`. */
  scopeMatch?: VerifierOptions['scopeMatch'];
  /** Receives the rate limiter's events (when `rateLimit.onEvent` is not set). Default: none. */
  onEvent?: VerifierOptions['onEvent'];
} & ScopegateCommonOptions & { [K in Exclude<keyof VerifierOptions, 'scopeMatch' | 'onEvent'>]?: never };

/** Options of the `scopegate` plugin. */
export type ScopegateOptions = ScopegateVerifierOptions | ScopegateExistingVerifierOptions;

/**
 * Every option name the plugin accepts: its own, `verifier`, the verifier options, and
 * Fastify's `register` options (they reach the plugin too, though with `fastify-plugin` they
 * change nothing). Any other name is a `ConfigurationError`. test/types.test.ts keeps it equal
 * to the types.
 */
export const PLUGIN_OPTION_NAMES = Object.freeze([
  'rateLimit',
  'authRequired',
  'verifier',
  ...VERIFIER_OPTION_NAMES,
  'prefix',
  'logLevel',
  'logSerializers',
] as const) satisfies readonly (
  | keyof ScopegateCommonOptions
  | 'verifier'
  | keyof VerifierOptions
  | keyof RegisterOptions
)[];

/** The verifier options that may accompany `verifier`: the plugin applies them, not the verifier. */
export const BESIDE_VERIFIER_OPTION_NAMES: readonly string[] = Object.freeze(['scopeMatch', 'onEvent']);
