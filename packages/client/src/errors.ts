/**
 * Error classes of @scopegate/client. The package stays standalone (it does
 * not import @scopegate/core), so it has its own hierarchy rooted at
 * {@link TokenClientError}.
 *
 * Invariant: no message, field or `cause` ever holds the client secret or an
 * access token. Messages are built from fixed text plus non-secret values
 * (endpoint origin and path, HTTP status, OAuth error code); anything that
 * comes from the server is scrubbed of the secret before it is stored.
 */

/** Stable machine-readable codes of {@link TokenClientError}. */
export type TokenClientErrorCode =
  | 'configuration_error'
  | 'discovery_failed'
  | 'token_endpoint_error'
  | 'invalid_token_response'
  | 'token_request_failed'
  | 'token_request_timeout';

// Give each class a stable `name` on its prototype: bundlers may rename
// classes, and an own `name` field would show up in util.inspect output.
function setName(ctor: { prototype: Error }, name: string): void {
  Object.defineProperty(ctor.prototype, 'name', { value: name, writable: true, configurable: true });
}

/** Base class of every error thrown by @scopegate/client. */
export class TokenClientError extends Error {
  /** Stable machine-readable code; see {@link TokenClientErrorCode}. */
  readonly code: TokenClientErrorCode;

  /**
   * @param code - stable code.
   * @param message - human-readable text; must never contain a secret or token.
   * @param options - standard `cause` (already sanitised by the caller).
   */
  constructor(code: TokenClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
setName(TokenClientError, 'TokenClientError');

/** The options given to `createTokenClient` are invalid. Thrown synchronously. */
export class TokenClientConfigurationError extends TokenClientError {
  /** @param message - what is wrong with the options. */
  constructor(message: string) {
    super('configuration_error', message);
  }
}
setName(TokenClientConfigurationError, 'TokenClientConfigurationError');

/**
 * The token endpoint could not be discovered from the issuer: no metadata
 * document, a document whose `issuer` differs from the configured one, no
 * usable `token_endpoint`, or the issuer stayed unreachable after retries.
 */
export class DiscoveryError extends TokenClientError {
  /** The configured issuer. */
  readonly issuer: string;
  /** Seconds the metadata server asked to wait (`Retry-After`) when that was beyond the retry budget, if any. */
  readonly retryAfterSec: number | undefined;

  /**
   * @param issuer - the configured issuer.
   * @param message - what failed.
   * @param options - sanitised `cause`; `retryAfterSec` as for {@link TokenRequestError}.
   */
  constructor(issuer: string, message: string, options?: { cause?: unknown; retryAfterSec?: number }) {
    super('discovery_failed', message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.issuer = issuer;
    this.retryAfterSec = options?.retryAfterSec;
  }
}
setName(DiscoveryError, 'DiscoveryError');

/**
 * The token endpoint answered with an OAuth error response (RFC 6749 §5.2)
 * that retrying cannot fix. Never retried. Specific `error` codes have
 * subclasses ({@link InvalidClientError}, {@link InvalidScopeError}, …);
 * any other code is a plain `TokenEndpointError`.
 */
export class TokenEndpointError extends TokenClientError {
  /** HTTP status of the token endpoint's answer. */
  readonly status: number;
  /** The OAuth `error` code, e.g. `invalid_client`. */
  readonly error: string;
  /** The server's `error_description` (scrubbed of the secret, truncated), if any. */
  readonly errorDescription: string | undefined;
  /** The server's `error_uri`, if any. */
  readonly errorUri: string | undefined;

  /**
   * @param details - status and OAuth error fields of the response.
   */
  constructor(details: { status: number; error: string; errorDescription?: string; errorUri?: string }) {
    const suffix = details.errorDescription ? `: ${details.errorDescription}` : '';
    super(
      'token_endpoint_error',
      `Token endpoint refused the request (HTTP ${details.status}, ${details.error})${suffix}`,
    );
    this.status = details.status;
    this.error = details.error;
    this.errorDescription = details.errorDescription;
    this.errorUri = details.errorUri;
  }
}
setName(TokenEndpointError, 'TokenEndpointError');

/** `invalid_client`: client authentication failed (unknown client, wrong secret, wrong auth method). */
export class InvalidClientError extends TokenEndpointError {}
setName(InvalidClientError, 'InvalidClientError');

/** `invalid_scope`: a requested scope is unknown, malformed or not allowed for this client. */
export class InvalidScopeError extends TokenEndpointError {}
setName(InvalidScopeError, 'InvalidScopeError');

/** `unauthorized_client`: this client may not use the client_credentials grant. */
export class UnauthorizedClientError extends TokenEndpointError {}
setName(UnauthorizedClientError, 'UnauthorizedClientError');

/** `invalid_grant`: the grant was refused (some servers use it for a disabled client). */
export class InvalidGrantError extends TokenEndpointError {}
setName(InvalidGrantError, 'InvalidGrantError');

/** `unsupported_grant_type`: the server does not support client_credentials. */
export class UnsupportedGrantTypeError extends TokenEndpointError {}
setName(UnsupportedGrantTypeError, 'UnsupportedGrantTypeError');

/**
 * `invalid_request`: the token request was malformed (missing or repeated
 * parameter, bad `audience`/`resource`, …). Named so it does not clash with
 * `InvalidRequestError` of @scopegate/core.
 */
export class InvalidTokenRequestError extends TokenEndpointError {}
setName(InvalidTokenRequestError, 'InvalidTokenRequestError');

/**
 * The token endpoint's answer could not be used: a success response that is
 * not JSON, lacks `access_token`, or has a `token_type` other than `Bearer`;
 * an unexpected redirect; or an error status without an OAuth error body.
 * Never retried, because a misbehaving server will keep misbehaving.
 */
export class TokenResponseError extends TokenClientError {
  /** HTTP status of the answer. */
  readonly status: number;

  /**
   * @param status - HTTP status of the answer.
   * @param message - what is wrong with it (never quotes the body).
   */
  constructor(status: number, message: string) {
    super('invalid_token_response', message);
    this.status = status;
  }
}
setName(TokenResponseError, 'TokenResponseError');

/** Details of a request that kept failing transiently. */
export interface TokenRequestFailure {
  /** Attempts made, including the first. */
  attempts: number;
  /** HTTP status of the last answer, if there was one. */
  status?: number;
  /** OAuth `error` of the last answer (`server_error`, `temporarily_unavailable`), if any. */
  error?: string;
  /** Seconds the server asked to wait (`Retry-After`) when that was beyond the retry budget. */
  retryAfterSec?: number;
}

/**
 * The token request kept failing transiently (network error, 5xx, 429,
 * `server_error`, `temporarily_unavailable`) until the retry budget ran out.
 */
export class TokenRequestError extends TokenClientError {
  /** Attempts made, including the first. */
  readonly attempts: number;
  /** HTTP status of the last answer, if any. */
  readonly status: number | undefined;
  /** OAuth `error` of the last answer, if any. */
  readonly error: string | undefined;
  /** Seconds the server asked to wait when that exceeded the retry budget, if any. */
  readonly retryAfterSec: number | undefined;

  /**
   * @param message - what failed.
   * @param failure - attempt count and details of the last answer.
   * @param options - sanitised `cause` (the last network error).
   */
  constructor(message: string, failure: TokenRequestFailure, options?: { cause?: unknown }) {
    super('token_request_failed', message, options);
    this.attempts = failure.attempts;
    this.status = failure.status;
    this.error = failure.error;
    this.retryAfterSec = failure.retryAfterSec;
  }
}
setName(TokenRequestError, 'TokenRequestError');

/** The last attempt of a token request timed out (see the `timeoutMs` option). */
export class TokenTimeoutError extends TokenRequestError {
  /** The per-request timeout that elapsed, in milliseconds. */
  readonly timeoutMs: number;

  /**
   * @param message - what timed out.
   * @param attempts - attempts made, including the first.
   * @param timeoutMs - the timeout that elapsed.
   */
  constructor(message: string, attempts: number, timeoutMs: number) {
    super(message, { attempts });
    // Narrow the code after super: this is the timeout flavour of the request failure.
    (this as { code: TokenClientErrorCode }).code = 'token_request_timeout';
    this.timeoutMs = timeoutMs;
  }
}
setName(TokenTimeoutError, 'TokenTimeoutError');

const endpointErrors: Record<
  string,
  new (
    details: ConstructorParameters<typeof TokenEndpointError>[0],
  ) => TokenEndpointError
> = {
  invalid_client: InvalidClientError,
  invalid_scope: InvalidScopeError,
  unauthorized_client: UnauthorizedClientError,
  invalid_grant: InvalidGrantError,
  unsupported_grant_type: UnsupportedGrantTypeError,
  invalid_request: InvalidTokenRequestError,
};

/** Builds the {@link TokenEndpointError} subclass matching an OAuth `error` code. */
export function tokenEndpointError(details: {
  status: number;
  error: string;
  errorDescription?: string;
  errorUri?: string;
}): TokenEndpointError {
  const Ctor = Object.hasOwn(endpointErrors, details.error) ? endpointErrors[details.error] : undefined;
  return Ctor ? new Ctor(details) : new TokenEndpointError(details);
}
