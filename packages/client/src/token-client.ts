/**
 * The token client: caches one access token, refreshes it in the background
 * shortly before it expires with a single shared request (single-flight), and
 * wraps `fetch` to send it.
 */
import { basicAuthorization, formUrlEncode } from './client-authentication.js';
import { elapsedMs, type Instant } from './clock.js';
import { discoverTokenEndpoint } from './discovery.js';
import { TokenClientConfigurationError, TokenClientError, TokenRequestError } from './errors.js';
import {
  type ClientAuthMethod,
  type ResolvedOptions,
  resolveOptions,
  type TokenClientOptions,
} from './options.js';
import { REDACTED, Redactor } from './redact.js';
import { withRetry } from './retry.js';
import { describeUrl, requestToken } from './token-request.js';
import type { CachedToken, TokenResponse } from './token-response.js';
import { unknownOptionsMessage } from './unknown-options.js';
import { bearerError } from './www-authenticate.js';

/** Per-call options of {@link TokenClient.getToken}. */
export interface GetTokenOptions {
  /**
   * Stops this caller's wait. The shared token request itself keeps running
   * for the other callers. Default: none.
   */
  signal?: AbortSignal;
}

/**
 * Every option name of {@link GetTokenOptions}; any other key makes the call
 * reject with {@link TokenClientConfigurationError}. test/types.test.ts keeps
 * it equal to the type's keys.
 */
export const GET_TOKEN_OPTION_KEYS = ['signal'] as const satisfies readonly (keyof GetTokenOptions)[];

/** A client_credentials token client created by {@link createTokenClient}. */
export interface TokenClient {
  /** The configured client id (not secret). */
  readonly clientId: string;
  /** The configured client authentication method. */
  readonly authMethod: ClientAuthMethod;

  /**
   * Returns an access token. A cached token that has not expired is returned
   * at once; once it is inside the refresh window (its last `expirySkewSec`,
   * at most half its lifetime) the call also starts a refresh in the
   * background, without waiting for it. Only without a valid token does the
   * call wait for a token request. Concurrent callers share one request, in
   * the background or not. A failed background refresh goes to the
   * `onRefreshError` option; the cached token keeps being returned until it
   * expires, and the next background attempt waits `refreshFailureCooldownMs`.
   * Ages are measured on the monotonic clock (or the wall clock when it moved
   * more), so a wall-clock step back does not extend a token.
   * Rejects with a {@link TokenClientError} subclass; with
   * {@link TokenClientConfigurationError} at once, before any token request,
   * when `options` has a key that is not a {@link GetTokenOptions} name.
   */
  getToken(options?: GetTokenOptions): Promise<string>;

  /** Like {@link TokenClient.getToken}, but resolves the token with its metadata (expiry, scope). */
  getTokenResponse(options?: GetTokenOptions): Promise<TokenResponse>;

  /**
   * Drops the cached token so the next call fetches a new one. With `token`,
   * drops it only if it is still the cached one, so concurrent callers that
   * saw the same token rejected cause one refresh, not one each.
   */
  invalidate(token?: string): void;

  /**
   * `fetch` with `Authorization: Bearer <token>` added (replacing any
   * Authorization header given). On a 401 whose `WWW-Authenticate` Bearer
   * challenge has `error="invalid_token"`, it invalidates the token and
   * retries exactly once with a fresh one, provided the rejected token is at
   * least `invalidTokenRetryMinAgeMs` old (a just-issued token that is
   * rejected points at the API's configuration, and refreshing on every call
   * would hammer the token endpoint) and the body can be sent
   * again: no body, a string, `URLSearchParams`, `Blob`, `ArrayBuffer`, a
   * typed array or `FormData`. A stream body (or a `Request` carrying a body)
   * is sent once and the 401 returned as is. Other statuses, 403 included,
   * are returned untouched. Token errors reject like {@link TokenClient.getToken}.
   */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
}

function isReplayableBody(body: unknown): boolean {
  return (
    body === undefined ||
    body === null ||
    typeof body === 'string' ||
    body instanceof URLSearchParams ||
    body instanceof Blob ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    body instanceof FormData
  );
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

class ClientCredentialsTokenClient implements TokenClient {
  readonly #options: ResolvedOptions;
  readonly #redactor: Redactor;
  #cached: CachedToken | undefined;
  #inflight: Promise<CachedToken> | undefined;
  // Bumped by invalidate(): a request started before it may not fill the cache.
  #generation = 0;
  #discovered: Promise<URL> | undefined;
  // When the last background refresh failed; the next one waits
  // refreshFailureCooldownMs, so a failing server is not asked on every call.
  #failedAt: Instant | undefined;

  constructor(options: TokenClientOptions) {
    const resolved = resolveOptions(options);
    this.#options = resolved;
    const basic = basicAuthorization(resolved.clientId, resolved.clientSecret).slice('Basic '.length);
    // encodeURIComponent too: servers and proxies that echo a URL or body often percent-encode it that way.
    this.#redactor = new Redactor([
      resolved.clientSecret,
      formUrlEncode(resolved.clientSecret),
      encodeURIComponent(resolved.clientSecret),
      basic,
    ]);
    // Bound, so `const { fetch } = client` and passing client.fetch to other libraries work.
    this.getToken = this.getToken.bind(this);
    this.getTokenResponse = this.getTokenResponse.bind(this);
    this.invalidate = this.invalidate.bind(this);
    this.fetch = this.fetch.bind(this);
  }

  get clientId(): string {
    return this.#options.clientId;
  }

  get authMethod(): ClientAuthMethod {
    return this.#options.authMethod;
  }

  async getToken(options?: GetTokenOptions): Promise<string> {
    return (await this.#response(options, 'getToken')).accessToken;
  }

  getTokenResponse(options?: GetTokenOptions): Promise<TokenResponse> {
    return this.#response(options, 'getTokenResponse');
  }

  #response(options: GetTokenOptions | undefined, method: string): Promise<CachedToken> {
    if (typeof options === 'object' && options !== null) {
      const unknown = unknownOptionsMessage(options, GET_TOKEN_OPTION_KEYS, `${method} options`);
      if (unknown !== undefined) return Promise.reject(new TokenClientConfigurationError(unknown));
    }
    return this.#token(options?.signal);
  }

  #token(signal: AbortSignal | undefined): Promise<CachedToken> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const cached = this.#cached;
    const now = this.#options.clock();
    if (cached?.isValid(now)) {
      // Still valid: a caller never waits for (or fails with) a refresh it
      // does not need yet, however slow the issuer is.
      if (!cached.isFresh(now) && !this.#inflight && !this.#coolingDown(now)) this.#refreshInBackground();
      return Promise.resolve(cached);
    }
    return abortable(this.#inflight ?? this.#refresh(), signal);
  }

  #refreshInBackground(): void {
    // Nobody awaits this request (callers that arrive after the token expires
    // join it through #inflight), so its failure is reported, never left unhandled.
    this.#refresh().catch((error: unknown) => this.#reportBackgroundFailure(error));
  }

  #reportBackgroundFailure(error: unknown): void {
    const hook = this.#options.onRefreshError;
    if (!hook) return;
    const reported =
      error instanceof TokenClientError
        ? error
        : new TokenRequestError(
            'Background token refresh failed: unexpected error',
            { attempts: 1 },
            { cause: this.#redactor.sanitizeCause(error) },
          );
    try {
      hook(reported);
    } catch {
      // A throwing hook must not turn into an unhandled rejection.
    }
  }

  #coolingDown(now: Instant): boolean {
    return (
      this.#failedAt !== undefined && elapsedMs(this.#failedAt, now) < this.#options.refreshFailureCooldownMs
    );
  }

  invalidate(token?: string): void {
    if (token === undefined) {
      this.#cached = undefined;
      this.#inflight = undefined;
      this.#failedAt = undefined;
      this.#generation++;
    } else if (this.#cached?.is(token)) {
      this.#cached = undefined;
      this.#failedAt = undefined;
    }
  }

  async fetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
    const request = input instanceof Request ? input : undefined;
    const replayable =
      init.body !== undefined ? isReplayableBody(init.body) : request === undefined || request.body === null;
    const send = (token: string) => {
      // Same precedence as fetch: init.headers replace the Request's headers.
      const headers = new Headers(init.headers ?? request?.headers);
      headers.set('authorization', `Bearer ${token}`);
      return this.#options.fetch(input, { ...init, headers });
    };

    const signal = init.signal ?? undefined;
    const current = await this.#token(signal);
    const token = current.accessToken;
    const response = await send(token);
    if (
      response.status !== 401 ||
      !replayable ||
      current.ageMs(this.#options.clock()) < this.#options.invalidTokenRetryMinAgeMs ||
      bearerError(response.headers.get('www-authenticate')) !== 'invalid_token'
    ) {
      return response;
    }
    // Free the connection before retrying; the 401 body is not needed.
    await response.body?.cancel().catch(() => {});
    this.invalidate(token);
    return send((await this.#token(signal)).accessToken);
  }

  #refresh(): Promise<CachedToken> {
    const generation = this.#generation;
    const previous = this.#cached;
    const request: Promise<CachedToken> = this.#requestToken()
      .then(
        (token) => {
          this.#redactor.rememberToken(token.accessToken);
          if (this.#generation === generation) {
            this.#cached = token;
            this.#failedAt = undefined;
          }
          return token;
        },
        (error: unknown) => {
          // The token this refresh was to replace is still served while
          // valid; pause before asking the failing server again.
          const now = this.#options.clock();
          if (previous && this.#cached === previous && previous.isValid(now)) this.#failedAt = now;
          throw error;
        },
      )
      .finally(() => {
        if (this.#inflight === request) this.#inflight = undefined;
      });
    this.#inflight = request;
    return request;
  }

  async #requestToken(): Promise<CachedToken> {
    const options = this.#options;
    const endpoint = options.tokenUrl ?? (await this.#discover());
    return withRetry(
      (timeoutMs) => requestToken(options, endpoint, this.#redactor, timeoutMs),
      options.retry,
      options.timeoutMs,
    );
  }

  #discover(): Promise<URL> {
    const options = this.#options;
    const issuer = options.issuer as string;
    this.#discovered ??= withRetry(
      (timeoutMs) => discoverTokenEndpoint(options, issuer, this.#redactor, timeoutMs),
      options.retry,
      options.timeoutMs,
    ).catch((error: unknown) => {
      // Do not cache a failure: the next getToken() tries discovery again.
      this.#discovered = undefined;
      throw error;
    });
    return this.#discovered;
  }

  #summary(): Record<string, unknown> {
    const o = this.#options;
    const cached = this.#cached;
    return {
      ...(o.tokenUrl ? { tokenUrl: describeUrl(o.tokenUrl) } : { issuer: o.issuer }),
      clientId: o.clientId,
      clientSecret: REDACTED,
      authMethod: o.authMethod,
      scope: o.scope,
      audience: o.audience,
      resource: o.resource.length > 0 ? [...o.resource] : undefined,
      token: cached
        ? { accessToken: REDACTED, expiresAt: new Date(cached.expiresAt).toISOString(), scope: cached.scope }
        : undefined,
    };
  }

  /** Configuration summary with the secret and token replaced by a placeholder. */
  toJSON(): Record<string, unknown> {
    return this.#summary();
  }

  [Symbol.for('nodejs.util.inspect.custom')](
    _depth: number,
    options: unknown,
    inspect: (value: unknown, options: unknown) => string,
  ): string {
    return `TokenClient ${inspect(this.#summary(), options)}`;
  }
}

/**
 * Creates a client_credentials token client (RFC 6749 §4.4).
 *
 * Validates the options synchronously; makes no network request until the
 * first {@link TokenClient.getToken}.
 *
 * Defaults: `authMethod` `'client_secret_basic'`, `expirySkewSec` 60,
 * `defaultExpiresInSec` 300, `maxExpiresInSec` 86400, `timeoutMs` 10000,
 * `refreshFailureCooldownMs` 5000, `onRefreshError` none,
 * `invalidTokenRetryMinAgeMs` 5000, `retry` `{ attempts: 3, baseDelayMs: 200, maxDelayMs: 5000, maxTotalMs: 30000 }`,
 * `fetch` the platform fetch, `now` the system clocks (see the option), `allowInsecureHttp` false.
 *
 * @example
 * ```ts
 * const client = createTokenClient({
 *   tokenUrl: 'https://auth.example.com/oauth2/token',
 *   clientId: 'nightly-data-sync',
 *   clientSecret: process.env.CLIENT_SECRET!,
 *   scope: ['data:read', 'data:write'],
 * });
 * const res = await client.fetch('https://api.example.com/data');
 * ```
 *
 * @throws {@link TokenClientConfigurationError} synchronously when the options
 * are unusable: a missing or invalid value, or an unknown option name (a key
 * that is not a {@link TokenClientOptions} or, inside `retry`, a
 * {@link RetryOptions} name, even with the value `undefined`), e.g.
 * "unknown option `clientSecrt` in createTokenClient options; did you mean
 * `clientSecret`?". Messages name the option, never its value.
 */
export function createTokenClient(options: TokenClientOptions): TokenClient {
  return new ClientCredentialsTokenClient(options);
}
