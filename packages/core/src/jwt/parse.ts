/**
 * Compact JWS parsing (RFC 7515 §7.1) with the rejections of RFC 8725:
 * size cap before anything else, JWE refused, strict base64url, JSON objects
 * only, `alg` from an allow-list, and no unknown `crit` parameter.
 *
 * The header parameters `jku`, `x5u`, `jwk` and `x5c` are never read here or
 * anywhere else: only `kid` and `alg` take part in key selection.
 */
import { isUtf8 } from 'node:buffer';
import {
  AlgorithmNotAllowedError,
  EncryptedTokenError,
  MalformedTokenError,
  TokenTooLargeError,
  UnsupportedCriticalHeaderError,
} from '../errors.js';
import type { JwtClaims, JwtHeader } from '../types.js';

/** Default of `maxTokenLength`: 8 KiB. */
export const DEFAULT_MAX_TOKEN_LENGTH = 8192;

/** A compact JWS split into its parts; the payload is decoded separately, after the signature check. */
export interface JwsParts {
  /** The decoded, validated protected header. */
  readonly header: JwtHeader;
  /** The base64url header segment (the {@link HeaderCache} key). */
  readonly headerSegment: string;
  /** `BASE64URL(header) "." BASE64URL(payload)`: the bytes the signature covers. */
  readonly signingInput: string;
  /** The base64url payload segment (not decoded yet). */
  readonly payloadSegment: string;
  /** The base64url signature segment (may be empty). */
  readonly signatureSegment: string;
}

// Three base64url segments, the last possibly empty. Character class only: no
// nested quantifiers, so matching is linear in the (already capped) length.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
// The same check from the payload on (sticky: starts at lastIndex), for a header already known valid.
const PAYLOAD_AND_SIGNATURE = /[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/y;

/**
 * Header segments already accepted, mapped to their decoded, deep-frozen
 * header. Tokens from one issuer key share one header segment, so a hit saves
 * a base64url decode, a JSON parse and the header checks per token. Owned by
 * one verifier (the checks depend on its algorithm allow-list).
 */
export type HeaderCache = Map<string, JwtHeader>;

/** The only `crit` extension understood: RFC 7797 `b64`, and then only with `b64: true`. */
const UNDERSTOOD_CRIT = 'b64';

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Segments are decoded into one reusable buffer and read back as UTF-8: no
// Buffer allocation per token. Safe because decoding is synchronous.
let scratch = Buffer.allocUnsafe(DEFAULT_MAX_TOKEN_LENGTH);

// A base64url string of length 4n+1 cannot encode whole bytes.
function decodeSegment(segment: string, what: string): unknown {
  if (segment.length % 4 === 1) throw new MalformedTokenError(`the token ${what} is not valid base64url`);
  // Base64url yields 3 bytes per 4 characters: the segment length always suffices.
  if (scratch.length < segment.length) scratch = Buffer.allocUnsafe(segment.length);
  const length = scratch.write(segment, 'base64url');
  const text = scratch.toString('utf8', 0, length);
  // RFC 7515 §5.2 and RFC 7519 §7.2: the JSON must be valid UTF-8. toString() replaces bad bytes
  // with U+FFFD (so two different byte strings could read as one subject); only a decoded
  // U+FFFD can hide one, so the bytes are checked only then.
  if (text.includes('\uFFFD') && !isUtf8(scratch.subarray(0, length)))
    throw new MalformedTokenError(`the token ${what} is not valid UTF-8`);
  try {
    return JSON.parse(text);
  } catch {
    throw new MalformedTokenError(`the token ${what} is not valid JSON`);
  }
}

function checkCrit(header: Record<string, unknown>): void {
  const crit = header.crit;
  if (!Array.isArray(crit) || crit.length === 0)
    throw new MalformedTokenError('the token crit header must be a non-empty array');
  for (const name of crit) {
    if (typeof name !== 'string' || name.length === 0)
      throw new MalformedTokenError('the token crit header must list parameter names');
    if (name !== UNDERSTOOD_CRIT)
      throw new UnsupportedCriticalHeaderError(
        'the token has an unsupported critical header parameter (crit)',
      );
    if (header.b64 === false)
      throw new UnsupportedCriticalHeaderError('unencoded payloads (crit b64=false) are not supported');
    if (header.b64 !== true)
      throw new MalformedTokenError('the token b64 header must be a boolean when listed in crit');
  }
}

/**
 * Splits and checks a compact JWS. Order matters: the length cap runs before
 * any parsing, the segment count before any decoding.
 *
 * @param token - the compact JWS.
 * @param algorithms - the allow-list; `none` must never be in it.
 * @param maxTokenLength - longest accepted token; default 8192.
 * @throws TokenTooLargeError, EncryptedTokenError, MalformedTokenError,
 *   AlgorithmNotAllowedError, UnsupportedCriticalHeaderError.
 */
export function parseJws(
  token: string,
  algorithms: ReadonlySet<string>,
  maxTokenLength: number = DEFAULT_MAX_TOKEN_LENGTH,
  headerCache?: HeaderCache,
): JwsParts {
  if (typeof token !== 'string') throw new MalformedTokenError('the token must be a string');
  if (token.length > maxTokenLength) throw new TokenTooLargeError();
  const firstDot = token.indexOf('.');
  const secondDot = firstDot < 0 ? -1 : token.indexOf('.', firstDot + 1);
  if (secondDot < 0) throw new MalformedTokenError('the token is not a compact JWS (three segments)');
  const thirdDot = token.indexOf('.', secondDot + 1);
  if (thirdDot >= 0) {
    // Error path only: five segments is a JWE (RFC 7516 compact serialization).
    let dots = 3;
    for (let i = token.indexOf('.', thirdDot + 1); i >= 0; i = token.indexOf('.', i + 1)) dots++;
    if (dots === 4) throw new EncryptedTokenError();
    throw new MalformedTokenError('the token is not a compact JWS (three segments)');
  }
  const headerSegment = token.slice(0, firstDot);
  const known = headerCache?.get(headerSegment);
  let header: JwtHeader;
  if (known !== undefined) {
    // The header passed every check below before; only the rest needs the character check.
    PAYLOAD_AND_SIGNATURE.lastIndex = firstDot + 1;
    if (!PAYLOAD_AND_SIGNATURE.test(token)) throw new MalformedTokenError('the token is not valid base64url');
    header = known;
  } else {
    if (!COMPACT_JWS.test(token)) throw new MalformedTokenError('the token is not valid base64url');
    const decoded = decodeSegment(headerSegment, 'header');
    if (!isJsonObject(decoded)) throw new MalformedTokenError('the token header is not a JSON object');
    const alg = decoded.alg;
    if (typeof alg !== 'string' || !algorithms.has(alg)) throw new AlgorithmNotAllowedError();
    if (decoded.kid !== undefined && typeof decoded.kid !== 'string')
      throw new MalformedTokenError('the token kid header must be a string');
    if (decoded.crit !== undefined) checkCrit(decoded);
    header = decoded as JwtHeader;
  }

  const signatureSegment = token.slice(secondDot + 1);
  if (signatureSegment.length % 4 === 1)
    throw new MalformedTokenError('the token signature is not valid base64url');
  return {
    header,
    headerSegment,
    signingInput: token.slice(0, secondDot),
    payloadSegment: token.slice(firstDot + 1, secondDot),
    signatureSegment,
  };
}

/**
 * Decodes the payload segment (after the signature has been checked).
 * @throws MalformedTokenError when it is not base64url of a JSON object.
 */
export function decodePayload(payloadSegment: string): JwtClaims {
  const claims = decodeSegment(payloadSegment, 'payload');
  if (!isJsonObject(claims)) throw new MalformedTokenError('the token payload is not a JSON object');
  return claims;
}
