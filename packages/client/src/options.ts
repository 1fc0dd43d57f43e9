import { type Clock, clockFrom, systemClock } from './clock.js';
import { TokenClientConfigurationError, type TokenClientError } from './errors.js';
import { type KeysOfUnion, unknownOptionsMessage } from './unknown-options.js';

/** A `fetch`-compatible function (the platform `fetch` by default). */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** How the client authenticates to the token endpoint (RFC 6749 §2.3.1). */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post';

/** Retry policy for transient token-endpoint and discovery failures. */
export interface RetryOptions {
  /** Total attempts including the first; `1` disables retries. Integer 1..10. Default `3`. */
  attempts?: number;
  /** Base of the exponential backoff, in ms: attempt n waits a random time in [0, base * 2^(n-1)]. Default `200`. */
  baseDelayMs?: number;
  /** Cap of one backoff delay, in ms. Default `5000`. */
  maxDelayMs?: number;
  /**
   * Budget for one token (or discovery) request including all retries and
   * waits, in ms. No attempt starts or waits beyond it, and each attempt's
   * timeout is shortened to fit. Default `30000`.
   */
  maxTotalMs?: number;
}

/** Options shared by both ways of locating the token endpoint. */
export interface TokenClientBaseOptions {
  /** OAuth client id. Required. */
  clientId: string;
  /** OAuth client secret. Required. Kept in a private field; never logged, inspected or put in an error. */
  clientSecret: string;
  /** Scopes to request: a space-separated string or an array. Default: none (the server's default scopes). */
  scope?: string | readonly string[];
  /** `audience` parameter (Auth0, Okta and others use it to pick the API). Default: not sent. */
  audience?: string;
  /** RFC 8707 `resource` indicator(s); an array sends the parameter once per value. Default: not sent. */
  resource?: string | readonly string[];
  /** Client authentication method. Default `'client_secret_basic'`. */
  authMethod?: ClientAuthMethod;
  /**
   * Seconds before `expires_in` runs out at which a cached token is
   * refreshed. Capped at half the token's lifetime so short-lived tokens are
   * still reused. Default `60`.
   */
  expirySkewSec?: number;
  /**
   * Lifetime assumed, in seconds, when the response's `expires_in` is missing
   * or absurd (not a positive number or numeric string; a string is read
   * like the number it spells). A positive `expires_in` under 1 s counts as
   * 1 s, so a server's tiny value cannot turn every call into a token
   * request. Default `300`.
   */
  defaultExpiresInSec?: number;
  /** Upper bound, in seconds, on a response's `expires_in`; larger values are clamped to it. Default `86400` (24 h). */
  maxExpiresInSec?: number;
  /**
   * After a background refresh fails (one started inside the refresh window
   * while the cached token was still valid), the next background attempt
   * waits this many ms; calls meanwhile get the still valid token without a
   * token request. Once the token expires, the next call requests a new one
   * at once regardless. `0` lets the next call try again. Default `5000`.
   */
  refreshFailureCooldownMs?: number;
  /**
   * Called with the error when a background refresh fails. Such a refresh
   * runs while the cached token is still valid, so no caller sees its error;
   * this hook is the only place it shows (for logging or metrics). The error
   * holds no secret or token. Exceptions it throws are ignored. Default: none.
   */
  onRefreshError?: (error: TokenClientError) => void;
  /**
   * {@link TokenClient.fetch} answers a 401 `invalid_token` with a token
   * refresh and one retry only when the rejected token was obtained at least
   * this many ms ago; a younger token's 401 is returned as is. So an API that
   * rejects every token (wrong audience, misconfiguration) causes at most one
   * 401-driven token request per interval instead of one per call.
   * Default `5000`.
   */
  invalidTokenRetryMinAgeMs?: number;
  /**
   * Timeout of each token request attempt, including reading the body, in ms;
   * a discovery attempt gets the same deadline shared by both metadata URLs.
   * Default `10000`.
   */
  timeoutMs?: number;
  /** Retry policy for transient failures; see {@link RetryOptions}. */
  retry?: RetryOptions;
  /**
   * `fetch` implementation used for the token endpoint, discovery and
   * {@link TokenClient.fetch}. It must honour `redirect: 'manual'`, which the
   * token and discovery requests pass. Default: `globalThis.fetch`.
   */
  fetch?: FetchLike;
  /**
   * Clock in ms for token age and expiry, meant for tests (a fake clock
   * advanced by hand). It must never go backwards: when given it is the only
   * clock the cache uses, and its value also fills the `TokenResponse` epoch
   * fields. Default: the system clocks, where a token's age is the larger of
   * the monotonic (`performance.now()`) and the wall-clock (`Date.now()`)
   * time since it was requested, so a backward wall-clock step can neither
   * keep an expired token in use nor block the 401 retry; the epoch fields
   * come from `Date.now()`.
   */
  now?: () => number;
  /**
   * Extra form parameters for the token request (a string array repeats the
   * parameter). May not override `grant_type`, the client credentials,
   * `scope`, `audience` or `resource`. Default: none.
   */
  extraParams?: Readonly<Record<string, string | readonly string[]>>;
  /**
   * Allow plain `http:` URLs for non-loopback hosts. Loopback hosts
   * (exactly `localhost`, `127.0.0.0/8` and `[::1]`; not `*.localhost`) are
   * always allowed over http. Default `false`.
   */
  allowInsecureHttp?: boolean;
}

/** Options of {@link createTokenClient}: the base options plus exactly one of `tokenUrl` or `issuer`. */
export type TokenClientOptions = TokenClientBaseOptions &
  (
    | {
        /** The token endpoint URL. */
        tokenUrl: string | URL;
        issuer?: never;
      }
    | {
        /**
         * The issuer; the token endpoint is discovered from
         * `${issuer}/.well-known/openid-configuration`, then RFC 8414
         * `/.well-known/oauth-authorization-server`. The document's `issuer`
         * must equal this value exactly. Redirects are not followed.
         */
        issuer: string;
        tokenUrl?: never;
      }
  );

/**
 * Every option name of {@link TokenClientOptions} (both branches of the
 * union); any other key is refused. `satisfies` rejects a name the type does
 * not have, and test/types.test.ts fails when the type has one missing here.
 */
export const TOKEN_CLIENT_OPTION_KEYS = [
  'tokenUrl',
  'issuer',
  'clientId',
  'clientSecret',
  'scope',
  'audience',
  'resource',
  'authMethod',
  'expirySkewSec',
  'defaultExpiresInSec',
  'maxExpiresInSec',
  'refreshFailureCooldownMs',
  'onRefreshError',
  'invalidTokenRetryMinAgeMs',
  'timeoutMs',
  'retry',
  'fetch',
  'now',
  'extraParams',
  'allowInsecureHttp',
] as const satisfies readonly KeysOfUnion<TokenClientOptions>[];

/** Every option name of {@link RetryOptions}; see {@link TOKEN_CLIENT_OPTION_KEYS}. */
export const RETRY_OPTION_KEYS = [
  'attempts',
  'baseDelayMs',
  'maxDelayMs',
  'maxTotalMs',
] as const satisfies readonly (keyof RetryOptions)[];

/**
 * Throws {@link TokenClientConfigurationError} when `options` has an own
 * enumerable key outside `known`, naming the key (never its value).
 */
export function rejectUnknownOptions(options: object, known: readonly string[], where: string): void {
  const message = unknownOptionsMessage(options, known, where);
  if (message !== undefined) fail(message);
}

/** Defaults, in one place so the README and TSDoc can be checked against them. */
export const DEFAULTS = {
  authMethod: 'client_secret_basic',
  expirySkewSec: 60,
  defaultExpiresInSec: 300,
  maxExpiresInSec: 86_400,
  timeoutMs: 10_000,
  refreshFailureCooldownMs: 5_000,
  invalidTokenRetryMinAgeMs: 5_000,
  retry: { attempts: 3, baseDelayMs: 200, maxDelayMs: 5_000, maxTotalMs: 30_000 },
} as const;

/** Options after validation and defaults. */
export interface ResolvedOptions {
  tokenUrl: URL | undefined;
  issuer: string | undefined;
  clientId: string;
  clientSecret: string;
  scope: string | undefined;
  audience: string | undefined;
  resource: readonly string[];
  authMethod: ClientAuthMethod;
  expirySkewSec: number;
  defaultExpiresInSec: number;
  maxExpiresInSec: number;
  timeoutMs: number;
  refreshFailureCooldownMs: number;
  onRefreshError: ((error: TokenClientError) => void) | undefined;
  invalidTokenRetryMinAgeMs: number;
  retry: Required<RetryOptions>;
  fetch: FetchLike;
  clock: Clock;
  extraParams: ReadonlyArray<readonly [string, string]>;
  allowInsecureHttp: boolean;
}

const RESERVED_PARAMS = new Set([
  'grant_type',
  'client_id',
  'client_secret',
  'client_assertion',
  'client_assertion_type',
  'scope',
  'audience',
  'resource',
]);

// RFC 6749 §3.3 scope-token: printable ASCII except space, double quote and backslash.
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

function fail(message: string): never {
  throw new TokenClientConfigurationError(message);
}

function nonEmptyString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) fail(`${name} must be a non-empty string`);
  try {
    // Rejects lone surrogates, which have no UTF-8 form and cannot be form-encoded.
    encodeURIComponent(value);
  } catch {
    fail(`${name} is not well-formed Unicode`);
  }
  return value;
}

function number(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    fail(`${name} must be a number between ${min} and ${max}`);
  }
  return value;
}

// Exactly the documented set. `*.localhost` names are left out: Node resolves
// them through the system resolver, which may send them to the network.
// `hostname` is WHATWG-normalised, so `127.1` arrives as `127.0.0.1` and
// `[0::1]` as `[::1]`.
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * Parses and checks an endpoint URL: absolute, `https:` (or `http:` on a
 * loopback host, or anywhere with `allowInsecureHttp`), no credentials, no
 * fragment (RFC 6749 §3.2). Returns the reason it is unusable, or the URL.
 */
export function checkEndpointUrl(value: string | URL, allowInsecureHttp: boolean): URL | string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must use https';
  if (url.protocol === 'http:' && !allowInsecureHttp && !isLoopback(url.hostname)) {
    return 'must use https (http is only allowed for loopback hosts, or with allowInsecureHttp)';
  }
  if (url.username || url.password) return 'must not contain credentials';
  if (url.hash) return 'must not contain a fragment';
  return url;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function scopeString(scope: unknown): string | undefined {
  if (scope === undefined) return undefined;
  if (typeof scope !== 'string' && !Array.isArray(scope)) {
    fail('scope must be a space-separated string or an array of strings');
  }
  const tokens: unknown[] =
    typeof scope === 'string' ? scope.split(' ').filter((s) => s.length > 0) : [...scope];
  for (const token of tokens) {
    if (typeof token !== 'string' || !SCOPE_TOKEN.test(token)) {
      fail(
        'scope values must be non-empty and contain only printable ASCII without spaces, quotes or backslashes',
      );
    }
  }
  return tokens.length > 0 ? [...new Set(tokens)].join(' ') : undefined;
}

function stringList(value: unknown, name: string): string[] {
  if (value === undefined) return [];
  if (typeof value !== 'string' && !Array.isArray(value)) {
    fail(`${name} must be a non-empty string or an array of them`);
  }
  const list: unknown[] = typeof value === 'string' ? [value] : [...value];
  return list.map((v) => nonEmptyString(v, name));
}

function extraParamList(value: unknown): Array<readonly [string, string]> {
  if (value === undefined || value === null) return [];
  if (!isPlainObject(value)) fail('extraParams must be an object of strings or string arrays');
  const list: Array<readonly [string, string]> = [];
  for (const [name, entry] of Object.entries(value)) {
    if (RESERVED_PARAMS.has(name)) fail(`extraParams may not set "${name}"; use the dedicated option`);
    // Validate before iterating: a number or object would otherwise throw a raw TypeError.
    const values: unknown[] | undefined =
      typeof entry === 'string' ? [entry] : Array.isArray(entry) ? entry : undefined;
    if (!values || values.some((v) => typeof v !== 'string')) {
      fail(`extraParams.${name} must be a string or an array of strings`);
    }
    for (const v of values as string[]) list.push([name, v]);
  }
  return list;
}

function optionalBoolean(value: unknown, name: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') fail(`${name} must be a boolean`);
  return value;
}

/**
 * Validates user options and fills in defaults. Throws
 * {@link TokenClientConfigurationError}, also for an option name that is not
 * in {@link TOKEN_CLIENT_OPTION_KEYS} (or, inside `retry`, {@link RETRY_OPTION_KEYS}).
 */
export function resolveOptions(options: TokenClientOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) fail('options must be an object');
  // Before anything else: a misspelt `tokenUrl` or `clientSecret` is reported as
  // such, not as the missing option it leaves behind.
  rejectUnknownOptions(options, TOKEN_CLIENT_OPTION_KEYS, 'createTokenClient options');
  if (isPlainObject(options.retry)) {
    rejectUnknownOptions(options.retry, RETRY_OPTION_KEYS, 'createTokenClient options.retry');
  }
  const allowInsecureHttp = optionalBoolean(options.allowInsecureHttp, 'allowInsecureHttp');
  const hasUrl = options.tokenUrl !== undefined;
  const hasIssuer = options.issuer !== undefined;
  if (hasUrl === hasIssuer) fail('give exactly one of tokenUrl or issuer');

  let tokenUrl: URL | undefined;
  let issuer: string | undefined;
  if (hasUrl) {
    const raw: unknown = options.tokenUrl;
    if (typeof raw !== 'string' && !(raw instanceof URL)) fail('tokenUrl must be a string or a URL');
    const checked = checkEndpointUrl(raw, allowInsecureHttp);
    if (typeof checked === 'string') fail(`tokenUrl ${checked}`);
    tokenUrl = checked;
  } else {
    issuer = nonEmptyString(options.issuer, 'issuer');
    const checked = checkEndpointUrl(issuer, allowInsecureHttp);
    if (typeof checked === 'string') fail(`issuer ${checked}`);
    if (checked.search) fail('issuer must not contain a query');
  }

  const authMethod = options.authMethod ?? DEFAULTS.authMethod;
  if (authMethod !== 'client_secret_basic' && authMethod !== 'client_secret_post') {
    fail("authMethod must be 'client_secret_basic' or 'client_secret_post'");
  }

  const extraParams = extraParamList(options.extraParams);

  if (options.fetch !== undefined && typeof options.fetch !== 'function') fail('fetch must be a function');
  if (options.now !== undefined && typeof options.now !== 'function') fail('now must be a function');
  if (options.onRefreshError !== undefined && typeof options.onRefreshError !== 'function') {
    fail('onRefreshError must be a function');
  }
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') fail('no fetch available: pass the fetch option (Node >= 20 has one)');

  const retry: RetryOptions = options.retry ?? {};
  if (!isPlainObject(retry)) fail('retry must be an object');
  const attempts = number(retry.attempts, 'retry.attempts', DEFAULTS.retry.attempts, 1, 10);
  if (!Number.isInteger(attempts)) fail('retry.attempts must be an integer');

  return {
    tokenUrl,
    issuer,
    clientId: nonEmptyString(options.clientId, 'clientId'),
    clientSecret: nonEmptyString(options.clientSecret, 'clientSecret'),
    scope: scopeString(options.scope),
    audience: options.audience === undefined ? undefined : nonEmptyString(options.audience, 'audience'),
    resource: stringList(options.resource, 'resource'),
    authMethod,
    expirySkewSec: number(options.expirySkewSec, 'expirySkewSec', DEFAULTS.expirySkewSec, 0, 86_400),
    defaultExpiresInSec: number(
      options.defaultExpiresInSec,
      'defaultExpiresInSec',
      DEFAULTS.defaultExpiresInSec,
      1,
      86_400 * 365,
    ),
    maxExpiresInSec: number(
      options.maxExpiresInSec,
      'maxExpiresInSec',
      DEFAULTS.maxExpiresInSec,
      1,
      86_400 * 365,
    ),
    timeoutMs: number(options.timeoutMs, 'timeoutMs', DEFAULTS.timeoutMs, 1, 600_000),
    refreshFailureCooldownMs: number(
      options.refreshFailureCooldownMs,
      'refreshFailureCooldownMs',
      DEFAULTS.refreshFailureCooldownMs,
      0,
      3_600_000,
    ),
    onRefreshError: options.onRefreshError,
    invalidTokenRetryMinAgeMs: number(
      options.invalidTokenRetryMinAgeMs,
      'invalidTokenRetryMinAgeMs',
      DEFAULTS.invalidTokenRetryMinAgeMs,
      0,
      3_600_000,
    ),
    retry: {
      attempts,
      baseDelayMs: number(retry.baseDelayMs, 'retry.baseDelayMs', DEFAULTS.retry.baseDelayMs, 0, 600_000),
      maxDelayMs: number(retry.maxDelayMs, 'retry.maxDelayMs', DEFAULTS.retry.maxDelayMs, 0, 600_000),
      maxTotalMs: number(retry.maxTotalMs, 'retry.maxTotalMs', DEFAULTS.retry.maxTotalMs, 1, 3_600_000),
    },
    fetch: fetchImpl,
    clock: options.now ? clockFrom(options.now) : systemClock,
    extraParams,
    allowInsecureHttp,
  };
}
