/**
 * The request guard: the one decision procedure both HTTP adapters call, so
 * they only translate requests in and results out. Order is fixed:
 * find the bearer token → verify it → rate limit → scope / subject check.
 * A request rejected for its token (400/401) never reaches the rate limiter,
 * so it consumes nobody's quota.
 */
import { bearerCandidate, extractBearerToken, hasTokenElsewhere } from './authorization-header.js';
import { toErrorResponse } from './error-response.js';
import { isScopegateError, ScopegateError } from './errors.js';
import { fastPathOf, isPromise, type MaybePromise, type VerifyFastPath } from './fast-path.js';
import { checkOptionNames, GUARD_OPTION_NAMES } from './option-names.js';
import { createRateLimiter, type RateLimitDecision, type RateLimiter } from './rate-limit/rate-limiter.js';
import { checkRequirement, type ScopeMatch } from './scopes.js';
import type {
  AuthorizeRequirement,
  Denial,
  EventHandler,
  RateLimitOptions,
  VerifiedToken,
  Verifier,
} from './types.js';

/** Where a request may carry its bearer token (RFC 6750 §2). */
export interface GuardRequest {
  /** The `Authorization` header value(s) as the framework gives them. */
  authorization: string | readonly string[] | undefined;
  /** Parsed query string; an `access_token` there is refused with 400 (never used as the token). */
  query?: unknown;
  /** Parsed form-encoded body, same rule as `query`; pass only for form bodies. */
  body?: unknown;
}

/** Outcome of the guard; headers use lower-case names and must be sent in both cases. */
export type GuardResult =
  | {
      readonly ok: true;
      readonly auth: VerifiedToken;
      /** Rate-limit headers (`ratelimit-policy`, `ratelimit`) when a limit applies, else empty. */
      readonly headers: Readonly<Record<string, string>>;
    }
  | Denial;

/** Options of {@link createGuard}. */
export interface GuardOptions {
  /** The verifier for bearer tokens. Required. */
  verifier: Verifier;
  /** Per-client rate limits: options (a limiter is created and owned by the guard) or a shared limiter. Default: none. */
  rateLimit?: RateLimitOptions | RateLimiter;
  /** Matching for plain scope lists and `allOf`/`anyOf` requirements. Default: the verifier's `scopeMatch`, else `'exact'`. */
  scopeMatch?: ScopeMatch;
  /** Event handler the rate limiter uses when `rateLimit.onEvent` is not set. Default none. */
  onEvent?: EventHandler;
}

/** A configured guard. */
export interface Guard {
  /** The verifier in use. */
  readonly verifier: Verifier;
  /** Realm of `WWW-Authenticate` challenges (the verifier's). */
  readonly realm: string;
  /**
   * Authenticates a request: token → verification → rate limit → optional
   * requirement. Never throws; every failure becomes a `GuardResult` with the
   * contract's status, headers and body.
   */
  authenticate(credentials: GuardRequest, requirement?: AuthorizeRequirement): Promise<GuardResult>;
  /**
   * {@link Guard.authenticate} without the promise when nothing has to wait:
   * returns the `GuardResult` itself when the signing key is cached, the rate
   * limit (if any) is kept in memory and client metadata is static, and a
   * promise of it otherwise (a key fetch, a shared store, a metadata lookup).
   * Adapters use it so a request that can be answered at once costs no
   * microtask hops. Never throws; the promise never rejects.
   */
  authenticateNow(
    credentials: GuardRequest,
    requirement?: AuthorizeRequirement,
  ): GuardResult | Promise<GuardResult>;
  /** Checks an already verified token against a requirement (no rate limiting). Never throws. */
  check(auth: VerifiedToken, requirement: AuthorizeRequirement): GuardResult;
  /** Releases the rate limiter the guard created (not one passed in). */
  close(): Promise<void>;
}

const EMPTY_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Stands for an unexpected (non-scopegate) exception in a failed `GuardResult`:
 * 500 `server_error`, no challenge, a fixed description; the original is its `cause`.
 */
class UnexpectedGuardError extends ScopegateError {
  constructor(cause: unknown) {
    super(500, 'server_error', 'internal', 'internal error', { cause });
  }
  override wwwAuthenticate(): undefined {
    return undefined;
  }
}

// The header's own error when it is not well-formed bearer credentials, else `error`.
function headerErrorOr(credentials: GuardRequest, error: unknown): unknown {
  try {
    extractBearerToken(credentials.authorization);
  } catch (headerError) {
    return headerError;
  }
  return error;
}

function isRateLimiter(value: RateLimitOptions | RateLimiter): value is RateLimiter {
  return typeof (value as Partial<RateLimiter>).check === 'function';
}

/**
 * Creates the guard both adapters run per request.
 * @throws ConfigurationError for invalid rate-limit options or an unknown option name.
 */
export function createGuard(options: GuardOptions): Guard {
  checkOptionNames(options, GUARD_OPTION_NAMES, 'createGuard()');
  const { verifier } = options;
  const realm = verifier.realm;
  const scopeMatch = options.scopeMatch ?? verifier.scopeMatch ?? 'exact';
  let limiter: RateLimiter | undefined;
  let ownsLimiter = false;
  if (options.rateLimit !== undefined) {
    if (isRateLimiter(options.rateLimit)) {
      limiter = options.rateLimit;
    } else {
      const onEvent = options.rateLimit.onEvent ?? options.onEvent;
      limiter = createRateLimiter(
        onEvent === undefined ? options.rateLimit : { ...options.rateLimit, onEvent },
      );
      ownsLimiter = true;
    }
  }

  const fail = (error: unknown, extraHeaders: Readonly<Record<string, string>>): GuardResult => {
    const response = toErrorResponse(error, realm);
    return {
      ok: false,
      status: response.status,
      headers: extraHeaders === EMPTY_HEADERS ? response.headers : { ...extraHeaders, ...response.headers },
      body: response.body,
      error: isScopegateError(error) ? error : new UnexpectedGuardError(error),
    };
  };

  // The synchronous paths of core's own verify and check; any other (or a wrapper) is awaited.
  const own = fastPathOf<VerifyFastPath>(verifier.verify);
  const verifyNow = own?.now ?? ((token: string) => Promise.resolve(verifier.verify(token)));
  const checkLimitNow =
    limiter === undefined
      ? undefined
      : (fastPathOf<(auth: VerifiedToken) => MaybePromise<RateLimitDecision>>(limiter.check) ??
        ((auth: VerifiedToken) => Promise.resolve((limiter as RateLimiter).check(auth))));

  // The last step: the route's requirement (scopes, subject type), after the rate limit counted.
  const finish = (
    auth: VerifiedToken,
    requirement: AuthorizeRequirement | undefined,
    headers: Readonly<Record<string, string>>,
  ): GuardResult => {
    if (requirement !== undefined) {
      try {
        checkRequirement(auth, requirement, scopeMatch);
      } catch (error) {
        return fail(error, headers);
      }
    }
    return { ok: true, auth, headers };
  };

  const afterLimit = (
    auth: VerifiedToken,
    decision: RateLimitDecision,
    requirement: AuthorizeRequirement | undefined,
  ): GuardResult => {
    try {
      return decision.allowed
        ? finish(auth, requirement, decision.headers)
        : fail(decision.error, decision.headers);
    } catch (error) {
      // A custom limiter's malformed decision (e.g. undefined): 500, never a thrown error.
      return fail(error, EMPTY_HEADERS);
    }
  };

  const afterVerify = (
    auth: VerifiedToken,
    requirement: AuthorizeRequirement | undefined,
  ): MaybePromise<GuardResult> => {
    if (checkLimitNow === undefined) return finish(auth, requirement, EMPTY_HEADERS);
    let decision: MaybePromise<RateLimitDecision>;
    try {
      decision = checkLimitNow(auth);
    } catch (error) {
      return fail(error, EMPTY_HEADERS);
    }
    if (isPromise(decision))
      return decision.then(
        (resolved) => afterLimit(auth, resolved, requirement),
        (error: unknown) => fail(error, EMPTY_HEADERS),
      );
    return afterLimit(auth, decision, requirement);
  };

  const authenticateNow = (
    credentials: GuardRequest,
    requirement?: AuthorizeRequirement,
  ): MaybePromise<GuardResult> => {
    let verified: MaybePromise<VerifiedToken>;
    // Set when the token went to core's verifier before the header's characters were read.
    let headerUnchecked = false;
    try {
      // Core's own verifier gets the rest of a "Bearer " header before the header's characters
      // are read. A cached token (the usual case: clients repeat one until it nears expiry) is
      // found at once, and a new one meets the verifier's syntax check (a compact JWS), which
      // is stricter than the header's (RFC 6750 b64token). The header is read again only when
      // the token is refused, to answer a malformed header as such (400).
      const candidate = own === undefined ? undefined : bearerCandidate(credentials.authorization);
      if (candidate !== undefined && !hasTokenElsewhere(credentials)) {
        headerUnchecked = true;
        verified = verifyNow(candidate);
      } else {
        verified = verifyNow(extractBearerToken(credentials.authorization, credentials));
      }
    } catch (error) {
      return fail(headerUnchecked ? headerErrorOr(credentials, error) : error, EMPTY_HEADERS);
    }
    if (isPromise(verified))
      return verified.then(
        (auth) => afterVerify(auth, requirement),
        (error: unknown) => fail(headerUnchecked ? headerErrorOr(credentials, error) : error, EMPTY_HEADERS),
      );
    return afterVerify(verified, requirement);
  };

  return {
    verifier,
    realm,
    authenticate(credentials, requirement) {
      return Promise.resolve(authenticateNow(credentials, requirement));
    },
    authenticateNow,
    check(auth, requirement) {
      try {
        checkRequirement(auth, requirement, scopeMatch);
        return { ok: true, auth, headers: EMPTY_HEADERS };
      } catch (error) {
        return fail(error, EMPTY_HEADERS);
      }
    },
    async close() {
      if (ownsLimiter && limiter !== undefined) await limiter.close();
    },
  };
}
