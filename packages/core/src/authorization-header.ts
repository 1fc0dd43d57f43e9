/**
 * Bearer token extraction from the `Authorization` header (RFC 6750 §2.1).
 *
 * Decisions (RFC 6750 §3.1):
 * - no header (or an empty one) and no token elsewhere: 401 `unauthorized`
 *   without an `error` attribute — the client did not try to authenticate;
 * - another scheme (`Basic …`, `Digest …`): also 401 `unauthorized` without
 *   `error`, since §3.1 treats "an unsupported authentication method" like a
 *   request lacking authentication;
 * - `Bearer` with a missing, repeated or malformed token, a repeated header,
 *   or a token sent in the header and in the query/body as well: 400
 *   `invalid_request`;
 * - a token only in the query string or form body (`access_token`): 400
 *   `invalid_request` asking for the header (URI query tokens leak into logs;
 *   the header is the one method scopegate accepts).
 */
import { InvalidRequestError, UnauthorizedError } from './errors.js';

// credentials = "Bearer" 1*SP b64token; b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
// Linear: the character class excludes both the space and "=".
const BEARER = /^[Bb][Ee][Aa][Rr][Ee][Rr] +[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Whether the parsed query or form body also carries an `access_token`
 * (RFC 6750 §2.2–2.3), which the contract refuses.
 */
export function hasTokenElsewhere(elsewhere: { query?: unknown; body?: unknown } | undefined): boolean {
  return elsewhere !== undefined && (hasAccessToken(elsewhere.query) || hasAccessToken(elsewhere.body));
}

/**
 * The part after `"Bearer "` and any further spaces, without checking its
 * characters; `undefined` when the header does not start that way (or is not
 * one string). Only for a verifier whose own syntax check is stricter than
 * the header's (core's: a compact JWS): when it accepts the candidate,
 * {@link extractBearerToken} would have returned the same string; when it
 * refuses it, the header must still go through {@link extractBearerToken}.
 */
export function bearerCandidate(authorization: unknown): string | undefined {
  if (typeof authorization !== 'string' || !authorization.startsWith('Bearer ')) return undefined;
  return afterScheme(authorization);
}

// The credentials after the six-letter scheme and the spaces that follow it.
function afterScheme(value: string): string {
  let start = 7;
  while (value.charCodeAt(start) === 32) start++;
  return value.slice(start);
}

function hasAccessToken(source: unknown): boolean {
  if (typeof source !== 'object' || source === null) return false;
  const get = (source as { get?: unknown }).get;
  if (
    source instanceof URLSearchParams ||
    (typeof get === 'function' && typeof (source as { has?: unknown }).has === 'function')
  )
    return (source as URLSearchParams).has('access_token');
  const value = (source as Record<string, unknown>).access_token;
  return value !== undefined && value !== null && value !== '';
}

/**
 * The `Authorization` header of a Node.js request, as {@link extractBearerToken} takes it.
 * Node's `request.headers` keeps only the first of repeated `Authorization` lines, so a request
 * that repeats it (RFC 9110 §5.3: not a list field) would be judged by its first token alone,
 * while a proxy in front might have used another. The raw lines are counted: with more than
 * one, every value is returned, which the extractors answer with 400 `repeated_header`.
 *
 * @param authorization - `request.headers.authorization`.
 * @param rawHeaders - `request.rawHeaders` (`request.raw.rawHeaders` in Fastify); when absent,
 *   `authorization` is returned as it is.
 * @returns `authorization`, or all the request's `Authorization` values when it has several.
 */
export function authorizationHeader(
  authorization: string | undefined,
  rawHeaders: readonly string[] | undefined,
): string | readonly string[] | undefined {
  if (authorization === undefined || rawHeaders === undefined) return authorization;
  let seen = 0;
  // Names are at even indices; only a 13-character name can be "authorization" in any case.
  for (let i = 0; i < rawHeaders.length; i += 2) if (isAuthorizationName(rawHeaders[i])) seen++;
  if (seen < 2) return authorization;
  const values: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2)
    if (isAuthorizationName(rawHeaders[i])) values.push(rawHeaders[i + 1] ?? '');
  return values;
}

// The two spellings clients send are compared as they are: toLowerCase() would allocate a
// string on every request that carries the header.
function isAuthorizationName(name: string | undefined): boolean {
  return (
    name?.length === 13 &&
    (name === 'Authorization' || name === 'authorization' || name.toLowerCase() === 'authorization')
  );
}

/**
 * Returns the bearer token of a request.
 *
 * @param authorization - the `Authorization` header value(s) as the framework gives them.
 * @param elsewhere - optional parsed `query` and `body`, only to detect a second
 *   (or misplaced) `access_token`; their tokens are never used.
 * @throws UnauthorizedError (401, no token / other scheme) or InvalidRequestError (400).
 */
export function extractBearerToken(
  authorization: string | readonly string[] | undefined | null,
  elsewhere?: { query?: unknown; body?: unknown },
): string {
  let value: unknown = authorization;
  if (Array.isArray(value)) {
    if (value.length > 1)
      throw new InvalidRequestError('the request has more than one Authorization header', 'repeated_header');
    value = value[0];
  }
  const inQuery = hasTokenElsewhere(elsewhere);
  if (value === undefined || value === null || value === '') {
    if (inQuery)
      throw new InvalidRequestError(
        'send the access token in the Authorization header (Bearer), not in the query or body',
        'token_in_query',
      );
    throw new UnauthorizedError();
  }
  if (typeof value !== 'string') throw new InvalidRequestError('the Authorization header is malformed');
  // The common case first: a well-formed header costs one regex test and one slice.
  if (BEARER.test(value)) {
    if (inQuery)
      throw new InvalidRequestError('the access token was sent in more than one place', 'multiple_tokens');
    return afterScheme(value);
  }
  // Not well-formed bearer credentials: work out which answer fits.
  // A tab after the scheme is not the 1*SP that RFC 6750 allows, but the client meant Bearer:
  // a malformed bearer header (400), not another scheme (401, which could pass as anonymous).
  const end = value.search(/[ \t]/);
  const scheme = end < 0 ? value : value.slice(0, end);
  if (scheme.length !== 6 || scheme.toLowerCase() !== 'bearer') {
    if (inQuery)
      throw new InvalidRequestError(
        'send the access token in the Authorization header (Bearer), not in the query or body',
        'token_in_query',
      );
    throw new UnauthorizedError('a bearer token is required (unsupported authorization scheme)');
  }
  throw new InvalidRequestError('the Authorization header is malformed: expected "Bearer <token>"');
}
