/**
 * Every rejection scopegate makes is a {@link ScopegateError}. The `code` is
 * the OAuth / RFC 6750 error code from the contract's error table (what goes
 * on the wire); `reason` is a finer, stable identifier of the exact check that
 * failed (`exp`, `aud`, `kid`, …) for logs and metrics. Neither the message
 * nor any field ever contains the token, a key or a secret.
 */

/** Contract error codes, as sent in the JSON body's `error` field. */
export type ScopegateErrorCode =
  | 'unauthorized'
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'rate_limited'
  | 'temporarily_unavailable'
  | 'server_error';

/** The JSON body every adapter sends for a rejection. */
export interface ErrorBody {
  error: ScopegateErrorCode;
  error_description: string;
}

/** Default `realm` of the `WWW-Authenticate` challenge. */
export const DEFAULT_REALM = 'api';

// RFC 7235 quoted-string: escape backslash and double quote; drop control characters.
function quote(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  return `"${value.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/["\\]/g, '\\$&')}"`;
}

/** Base class of every scopegate rejection. */
export class ScopegateError extends Error {
  /** HTTP status the adapters answer with. */
  readonly status: number;
  /** Contract error code (the body's `error`). */
  readonly code: ScopegateErrorCode;
  /** Stable identifier of the exact check that failed, e.g. `exp`, `aud`, `kid`, `signature`. */
  readonly reason: string;
  /** Alias of {@link status} for frameworks (Fastify, Express error handlers) that read `statusCode`. */
  get statusCode(): number {
    return this.status;
  }

  constructor(
    status: number,
    code: ScopegateErrorCode,
    reason: string,
    description: string,
    options?: { cause?: unknown },
  ) {
    super(description, options);
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.reason = reason;
  }

  /** The `error_description` sent to the client (same as `message`). */
  get description(): string {
    return this.message;
  }

  /**
   * The `WWW-Authenticate` header value for this error, or `undefined` when
   * the contract sends none (429, 503, 500).
   * @param realm - the protection space; default `"api"`.
   */
  wwwAuthenticate(realm: string = DEFAULT_REALM): string | undefined {
    return `Bearer realm=${quote(realm)}, error=${quote(this.code)}, error_description=${quote(this.message)}`;
  }

  /** Response headers to send with this error (lower-case names). */
  headers(realm: string = DEFAULT_REALM): Record<string, string> {
    const value = this.wwwAuthenticate(realm);
    return value === undefined ? {} : { 'www-authenticate': value };
  }

  /** The contract's JSON body: `{ error, error_description }`. */
  toBody(): ErrorBody {
    return { error: this.code, error_description: this.message };
  }

  /** Serialises as the JSON body (never with a stack). */
  toJSON(): ErrorBody {
    return this.toBody();
  }
}

/** 401 without an `error` attribute: the request carried no bearer token at all (RFC 6750 §3.1). */
export class UnauthorizedError extends ScopegateError {
  constructor(description = 'a bearer token is required') {
    super(401, 'unauthorized', 'missing_token', description);
  }
  override wwwAuthenticate(realm: string = DEFAULT_REALM): string {
    return `Bearer realm=${quote(realm)}`;
  }
}

/** 400: a malformed `Authorization` header, or a token sent in more than one place. */
export class InvalidRequestError extends ScopegateError {
  constructor(description: string, reason = 'malformed_header') {
    super(400, 'invalid_request', reason, description);
  }
}

/**
 * 401 `invalid_token`. Subclasses name the failed check; `reason` carries it
 * as a stable string for code that does not want `instanceof`.
 */
export class InvalidTokenError extends ScopegateError {
  constructor(reason: string, description: string, options?: { cause?: unknown }) {
    super(401, 'invalid_token', reason, description, options);
  }
}

/** The JWT is not three base64url segments of JSON, or a segment is malformed. reason `malformed`. */
export class MalformedTokenError extends InvalidTokenError {
  constructor(description = 'the token is not a well-formed JWT') {
    super('malformed', description);
  }
}
/** The token is longer than `maxTokenLength`. reason `token_too_large`. */
export class TokenTooLargeError extends InvalidTokenError {
  constructor(description = 'the token is larger than allowed') {
    super('token_too_large', description);
  }
}
/** The token is a JWE (five segments); only signed JWTs are accepted. reason `jwe`. */
export class EncryptedTokenError extends InvalidTokenError {
  constructor(description = 'encrypted tokens (JWE) are not accepted') {
    super('jwe', description);
  }
}
/** `alg` is `none`, missing, or not in the allow-list, or does not match the key. reason `alg`. */
export class AlgorithmNotAllowedError extends InvalidTokenError {
  constructor(description = 'the token algorithm is not allowed') {
    super('alg', description);
  }
}
/** The header lists a `crit` parameter scopegate does not understand. reason `crit`. */
export class UnsupportedCriticalHeaderError extends InvalidTokenError {
  constructor(description = 'the token has an unsupported critical header parameter') {
    super('crit', description);
  }
}
/** No key in the issuer's key set matches the token's `kid` (after at most one refetch). reason `kid`. */
export class KeyNotFoundError extends InvalidTokenError {
  constructor(description = 'no signing key matches the token kid') {
    super('kid', description);
  }
}
/** The signature does not verify. reason `signature`. */
export class SignatureInvalidError extends InvalidTokenError {
  constructor(description = 'the token signature is invalid') {
    super('signature', description);
  }
}
/** `exp` is in the past (beyond the clock tolerance). reason `exp`. */
export class TokenExpiredError extends InvalidTokenError {
  constructor(description = 'the token has expired (exp)') {
    super('exp', description);
  }
}
/** `nbf` is in the future (beyond the clock tolerance). reason `nbf`. */
export class TokenNotYetValidError extends InvalidTokenError {
  constructor(description = 'the token is not valid yet (nbf)') {
    super('nbf', description);
  }
}
/** `iat` is too old for `maxTokenAgeSec`, or in the future. reason `iat`. */
export class TokenTooOldError extends InvalidTokenError {
  constructor(description = 'the token was issued too long ago (iat)') {
    super('iat', description);
  }
}
/** `iss` is missing or not one of the configured issuers. reason `iss`. */
export class IssuerMismatchError extends InvalidTokenError {
  constructor(description = 'the token issuer (iss) is not accepted') {
    super('iss', description);
  }
}
/** `aud` is missing or contains none of the configured audiences. reason `aud`. */
export class AudienceMismatchError extends InvalidTokenError {
  constructor(description = 'the token audience (aud) is not accepted') {
    super('aud', description);
  }
}
/** The header `typ` is not the required one (e.g. RFC 9068 `at+jwt`). reason `typ`. */
export class TokenTypeMismatchError extends InvalidTokenError {
  constructor(description = 'the token type (typ) is not accepted') {
    super('typ', description);
  }
}
/** A required claim is missing or has the wrong type. reason `claim`. */
export class ClaimInvalidError extends InvalidTokenError {
  /** Name of the offending claim (a claim name, never its value). */
  readonly claim: string;
  constructor(claim: string, description = `the ${claim} claim is missing or invalid`) {
    super('claim', description);
    this.claim = claim;
  }
}

/** 403: the token is valid but lacks a required scope. */
export class InsufficientScopeError extends ScopegateError {
  /** The scopes the route requires (all-of or any-of, see {@link mode}). */
  readonly requiredScopes: readonly string[];
  /** Whether every scope (`all`) or at least one (`any`) was required. */
  readonly mode: 'all' | 'any';
  constructor(requiredScopes: readonly string[], mode: 'all' | 'any' = 'all', description?: string) {
    super(
      403,
      'insufficient_scope',
      'scope',
      description ??
        (mode === 'all'
          ? `the token lacks a required scope (requires all of: ${requiredScopes.join(' ')})`
          : `the token lacks a required scope (requires one of: ${requiredScopes.join(' ')})`),
    );
    this.requiredScopes = requiredScopes;
    this.mode = mode;
  }
  override wwwAuthenticate(realm: string = DEFAULT_REALM): string {
    return `Bearer realm=${quote(realm)}, error="insufficient_scope", scope=${quote(this.requiredScopes.join(' '))}`;
  }
}

/** 403 (`insufficient_scope`): the route is for another kind of subject (machine vs user). reason `subject_type`. */
export class SubjectTypeNotAllowedError extends ScopegateError {
  readonly required: readonly ('client' | 'user')[];
  constructor(required: readonly ('client' | 'user')[], description?: string) {
    super(
      403,
      'insufficient_scope',
      'subject_type',
      description ?? `this resource is only for ${required.map((t) => `${t} subjects`).join(' or ')}`,
    );
    this.required = required;
  }
  override wwwAuthenticate(realm: string = DEFAULT_REALM): string {
    return `Bearer realm=${quote(realm)}, error="insufficient_scope", error_description=${quote(this.message)}`;
  }
}

/** 429: the client is over its `rate_limit_per_minute`. No `WWW-Authenticate`; `Retry-After` instead. */
export class RateLimitedError extends ScopegateError {
  /** Whole seconds until a request may be admitted again (>= 1). */
  readonly retryAfter: number;
  constructor(retryAfter: number, description = 'rate limit exceeded for this client') {
    super(429, 'rate_limited', 'rate_limit', description);
    this.retryAfter = Math.max(1, Math.ceil(retryAfter));
  }
  override wwwAuthenticate(): undefined {
    return undefined;
  }
  override headers(): Record<string, string> {
    return { 'retry-after': String(this.retryAfter) };
  }
}

/** 503: keys (or another dependency) cannot be obtained at all. No `WWW-Authenticate`; `Retry-After`. */
export class TemporarilyUnavailableError extends ScopegateError {
  /** Seconds the client should wait before retrying. */
  readonly retryAfter: number;
  constructor(
    description = 'the authorization server keys are temporarily unavailable',
    options?: { cause?: unknown; retryAfter?: number; reason?: string },
  ) {
    super(503, 'temporarily_unavailable', options?.reason ?? 'jwks_unavailable', description, options);
    this.retryAfter = Math.max(1, Math.ceil(options?.retryAfter ?? 5));
  }
  override wwwAuthenticate(): undefined {
    return undefined;
  }
  override headers(): Record<string, string> {
    return { 'retry-after': String(this.retryAfter) };
  }
}

/** 500 "server misconfigured": scopegate was used without a usable configuration. Fails closed. */
export class ConfigurationError extends ScopegateError {
  constructor(description: string) {
    super(500, 'server_error', 'misconfigured', description);
  }
  override wwwAuthenticate(): undefined {
    return undefined;
  }
  /** Never reveals configuration details to clients. */
  override toBody(): ErrorBody {
    return { error: 'server_error', error_description: 'server misconfigured' };
  }
}

/** Type guard that works across package copies (checks shape, not only `instanceof`). */
export function isScopegateError(value: unknown): value is ScopegateError {
  return (
    value instanceof ScopegateError ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as { status?: unknown }).status === 'number' &&
      typeof (value as { code?: unknown }).code === 'string' &&
      typeof (value as { toBody?: unknown }).toBody === 'function')
  );
}
