/**
 * One client_credentials token request (RFC 6749 §4.4) and the
 * classification of its answer: a token, a final error, or a
 * {@link RetryableFailure}.
 */
import { applyClientAuthentication } from './client-authentication.js';
import { TokenRequestError, TokenResponseError, TokenTimeoutError, tokenEndpointError } from './errors.js';
import {
  describeRedirect,
  exchange,
  parseJsonObject,
  parseRetryAfter,
  type TransportFailure,
} from './http.js';
import type { ResolvedOptions } from './options.js';
import type { Redactor } from './redact.js';
import { isTransientStatus, RetryableFailure } from './retry.js';
import { CachedToken } from './token-response.js';

// OAuth error codes that mean "try again later" (RFC 6749 §4.1.2.1 / §5.2 usage in the wild).
const TRANSIENT_ERRORS = new Set(['server_error', 'temporarily_unavailable']);
// RFC 6749 §5.2 error: NQSCHAR, i.e. printable ASCII without '"' and '\'.
const ERROR_CODE = /^[\x20\x21\x23-\x5b\x5d-\x7e]{1,100}$/;
// RFC 6750 §2.1 b64token, the only characters a Bearer credential may hold.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const TOKEN_TYPE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,19}$/;

/** Where the endpoint is, for messages: origin and path only (no query). */
export function describeUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/** Builds the form body (without client credentials) from the options. */
export function tokenRequestBody(options: ResolvedOptions): URLSearchParams {
  const body = new URLSearchParams({ grant_type: 'client_credentials' });
  if (options.scope !== undefined) body.append('scope', options.scope);
  if (options.audience !== undefined) body.append('audience', options.audience);
  for (const resource of options.resource) body.append('resource', resource);
  for (const [name, value] of options.extraParams) body.append(name, value);
  return body;
}

/**
 * Shortest lifetime assumed for a token, in seconds: a positive `expires_in`
 * below it is raised to it. Without a floor, a server answering
 * `expires_in: 0.001` would make every getToken() a token request; one
 * second is also the smallest `defaultExpiresInSec` and `maxExpiresInSec`.
 */
export const MIN_EXPIRES_IN_SEC = 1;

// The text of a JSON number (leading zeros tolerated): a string is read
// exactly like the number it spells, so "60" and 60, "0.001" and 0.001 agree.
const NUMERIC_STRING = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * Reads `expires_in`, a number or a numeric string treated alike: missing,
 * non-numeric, zero or negative gives `defaultExpiresInSec`; a positive value
 * is raised to {@link MIN_EXPIRES_IN_SEC}; the result is capped at
 * `maxExpiresInSec`.
 */
export function effectiveExpiresIn(value: unknown, options: ResolvedOptions): number {
  const text = typeof value === 'string' ? value.trim() : undefined;
  const parsed =
    typeof value === 'number' ? value : text !== undefined && NUMERIC_STRING.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(parsed) || parsed <= 0) {
    return Math.min(options.defaultExpiresInSec, options.maxExpiresInSec);
  }
  return Math.min(Math.max(parsed, MIN_EXPIRES_IN_SEC), options.maxExpiresInSec);
}

function optionalString(value: unknown, redactor: Redactor): string | undefined {
  return typeof value === 'string' && value.length > 0 ? redactor.scrub(value) : undefined;
}

/**
 * Sends one token request and returns the token, or throws a final error
 * (TokenEndpointError, TokenResponseError) or a RetryableFailure whose final
 * error is a TokenRequestError / TokenTimeoutError.
 */
export async function requestToken(
  options: ResolvedOptions,
  endpoint: URL,
  redactor: Redactor,
  timeoutMs: number,
): Promise<CachedToken> {
  const where = describeUrl(endpoint);
  const headers = new Headers({
    accept: 'application/json',
    'content-type': 'application/x-www-form-urlencoded;charset=UTF-8',
  });
  const body = tokenRequestBody(options);
  applyClientAuthentication(options.authMethod, options.clientId, options.clientSecret, headers, body);
  const obtained = options.clock();

  let answer: Awaited<ReturnType<typeof exchange>>;
  try {
    // exchange() never follows a redirect: it would resend the credentials elsewhere.
    answer = await exchange(
      options.fetch,
      endpoint,
      { method: 'POST', headers, body: body.toString() },
      timeoutMs,
    );
  } catch (error) {
    const failure = error as TransportFailure;
    if (failure.kind === 'timeout') {
      throw new RetryableFailure(
        (attempts) =>
          new TokenTimeoutError(
            `Token request to ${where} timed out after ${timeoutMs} ms (attempt ${attempts})`,
            attempts,
            timeoutMs,
          ),
      );
    }
    if (failure.kind === 'too_large') {
      throw new TokenResponseError(0, `Token endpoint ${where} sent a response larger than allowed`);
    }
    const cause = redactor.sanitizeCause(failure.cause);
    throw new RetryableFailure(
      (attempts) =>
        new TokenRequestError(
          `Token request to ${where} failed after ${attempts} attempt(s): network error`,
          { attempts },
          { cause },
        ),
    );
  }

  const { status } = answer;
  if (answer.redirected) {
    throw new TokenResponseError(
      status,
      `Token endpoint ${where} answered with ${describeRedirect(answer)}; not followed, answer not used`,
    );
  }
  const json = parseJsonObject(answer.body);

  if (status >= 200 && status < 300) {
    if (!json)
      throw new TokenResponseError(
        status,
        `Token endpoint ${where} returned a success response that is not a JSON object`,
      );
    const accessToken = json['access_token'];
    if (typeof accessToken !== 'string' || accessToken.length === 0) {
      throw new TokenResponseError(status, `Token endpoint ${where} returned no access_token`);
    }
    const tokenType = json['token_type'];
    if (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer') {
      // Name the type only when it looks like one (DPoP, MAC, N_A), never echo arbitrary text.
      const shown =
        typeof tokenType === 'string' && TOKEN_TYPE_NAME.test(tokenType) && tokenType !== accessToken
          ? `"${redactor.scrub(tokenType, accessToken)}"`
          : '(missing or invalid)';
      throw new TokenResponseError(
        status,
        `Token endpoint ${where} returned token_type ${shown}, expected "Bearer"`,
      );
    }
    if (!B64TOKEN.test(accessToken)) {
      throw new TokenResponseError(
        status,
        `Token endpoint ${where} returned an access_token with characters a Bearer token cannot hold`,
      );
    }
    const scope = typeof json['scope'] === 'string' ? json['scope'] : undefined;
    return new CachedToken(
      accessToken,
      obtained,
      effectiveExpiresIn(json['expires_in'], options),
      options.expirySkewSec,
      scope,
    );
  }

  const rawError = json?.['error'];
  const error =
    typeof rawError === 'string' && ERROR_CODE.test(rawError) ? redactor.scrub(rawError) : undefined;
  const retryAfterMs = parseRetryAfter(answer.headers.get('retry-after'));
  const transient = isTransientStatus(status) || (error !== undefined && TRANSIENT_ERRORS.has(error));

  if (transient) {
    throw new RetryableFailure(
      (attempts, retryAfterSec) =>
        new TokenRequestError(
          `Token request to ${where} failed after ${attempts} attempt(s): HTTP ${status}${error ? ` (${error})` : ''}${retryAfterSec !== undefined ? `; server asked to retry after ${retryAfterSec} s` : ''}`,
          {
            attempts,
            status,
            ...(error !== undefined && { error }),
            ...(retryAfterSec !== undefined && { retryAfterSec }),
          },
        ),
      retryAfterMs,
    );
  }

  if (error === undefined) {
    throw new TokenResponseError(
      status,
      `Token endpoint ${where} answered HTTP ${status} without an OAuth error body`,
    );
  }
  const errorDescription = optionalString(json?.['error_description'], redactor);
  const errorUri = optionalString(json?.['error_uri'], redactor);
  throw tokenEndpointError({
    status,
    error,
    ...(errorDescription !== undefined && { errorDescription }),
    ...(errorUri !== undefined && { errorUri }),
  });
}
