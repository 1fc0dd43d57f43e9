/**
 * `createVerifier`: the token verification pipeline.
 *
 * verify(token): length cap → verified-token cache → parse header → key
 * (synchronous when cached) → signature → payload → claims → profile
 * (subject type, client id, scopes) → frozen VerifiedToken. Everything the
 * options decide is compiled once here; the per-request path only reads it.
 */

import { extractBearerToken } from './authorization-header.js';
import { InternalError } from './error-response.js';
import {
  ClaimInvalidError,
  ConfigurationError,
  DEFAULT_REALM,
  InvalidTokenError,
  isScopegateError,
  MalformedTokenError,
  type ScopegateError,
  SignatureInvalidError,
  TemporarilyUnavailableError,
  TokenExpiredError,
  TokenTooLargeError,
} from './errors.js';
import { attachFastPath, isPromise, type MaybePromise, type VerifyFastPath } from './fast-path.js';
import { checkClaims, checkTimes, checkTokenType, compileClaimRules } from './jwt/claims.js';
import {
  DEFAULT_MAX_TOKEN_LENGTH,
  decodePayload,
  type HeaderCache,
  type JwsParts,
  parseJws,
} from './jwt/parse.js';
import { isHmacAlgorithm, SUPPORTED_ALGORITHMS, verifyJwsSignature } from './jwt/signature.js';
import { hasPrivatePart } from './keys/import-key.js';
import { createIssuerKeySources } from './keys/issuer-key-sources.js';
import type { KeySource, VerificationKey } from './keys/key-source.js';
import { createRemoteKeySource } from './keys/remote-key-source.js';
import { createSecretKeySource, createStaticKeySource } from './keys/static-key-source.js';
import { checkOptionNames, JWKS_CACHE_OPTION_NAMES, VERIFIER_OPTION_NAMES } from './option-names.js';
import { getProfile } from './profiles.js';
import { checkRequirement, type ScopeMatch } from './scopes.js';
import { shareClaimValues } from './shared-values.js';
import { createTokenCache } from './token-cache.js';
import type {
  AuthorizeDecision,
  AuthorizeRequirement,
  JwsAlgorithm,
  JwtClaims,
  SyncVerifier,
  VerifiedToken,
  VerifierOptions,
} from './types.js';

/** Default allow-list without `secret` (the contract's list). */
export const DEFAULT_ALGORITHMS: readonly JwsAlgorithm[] = Object.freeze([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
]);

/** Default allow-list with `secret`. */
export const DEFAULT_HMAC_ALGORITHMS: readonly JwsAlgorithm[] = Object.freeze(['HS256', 'HS384', 'HS512']);

/** Shortest accepted shared secret, in bytes (RFC 7518 §3.2: at least the HS256 hash size). */
export const MIN_SECRET_BYTES = 32;

function fail(message: string): never {
  throw new ConfigurationError(`scopegate: ${message}`);
}

function resolveAlgorithms(options: VerifierOptions, hasSecret: boolean): ReadonlySet<string> {
  const given = options.algorithms;
  if (given === undefined) return new Set(hasSecret ? DEFAULT_HMAC_ALGORITHMS : DEFAULT_ALGORITHMS);
  if (!Array.isArray(given) || given.length === 0) fail('`algorithms` must be a non-empty array');
  for (const alg of given as readonly unknown[]) {
    if (typeof alg === 'string' && alg.toLowerCase() === 'none')
      fail('the `none` algorithm is never accepted');
    if (typeof alg !== 'string' || !SUPPORTED_ALGORITHMS.includes(alg))
      fail(`unsupported algorithm in \`algorithms\`; supported: ${SUPPORTED_ALGORITHMS.join(' ')}`);
  }
  const hmac = given.filter(isHmacAlgorithm);
  if (hasSecret && hmac.length !== given.length)
    fail('`secret` verifies only HS256/HS384/HS512; remove the asymmetric algorithms from `algorithms`');
  if (!hasSecret && options.keySource === undefined && hmac.length > 0)
    fail('HS256/HS384/HS512 need an explicit `secret`');
  return new Set(given);
}

function checkSecret(secret: unknown): void {
  const bytes =
    typeof secret === 'string'
      ? Buffer.byteLength(secret, 'utf8')
      : secret instanceof Uint8Array
        ? secret.byteLength
        : fail('`secret` must be a string or a Uint8Array');
  if (bytes < MIN_SECRET_BYTES) fail(`\`secret\` must be at least ${MIN_SECRET_BYTES} bytes long`);
}

function createKeySource(options: VerifierOptions, issuers: ReadonlySet<string>): KeySource {
  const sources = (['jwksUri', 'jwks', 'secret', 'keySource'] as const).filter(
    (name) => options[name] !== undefined,
  );
  if (sources.length > 1) fail(`give only one key source, not ${sources.join(' and ')}`);
  if (options.keySource !== undefined) {
    if (typeof options.keySource?.getKey !== 'function' || typeof options.keySource.warmup !== 'function')
      fail('`keySource` must implement getKey and warmup');
    return options.keySource;
  }
  if (options.jwks !== undefined) {
    if (typeof options.jwks !== 'object' || options.jwks === null || !Array.isArray(options.jwks.keys))
      fail('`jwks` must be a JWK Set: { keys: [...] }');
    // Such a key would be skipped (see isSigningKey) and every token refused: say why at setup.
    // Checked over every member, also past maxKeys: a private key in configuration is a leak either way.
    if (options.jwks.keys.some((jwk) => typeof jwk === 'object' && jwk !== null && hasPrivatePart(jwk)))
      fail('`jwks` holds a private key (a `d` member): give the public keys only');
    return createStaticKeySource(options.jwks, options.jwksCache?.maxKeys);
  }
  if (options.secret !== undefined) {
    checkSecret(options.secret);
    return createSecretKeySource(options.secret);
  }
  if (options.jwksUri !== undefined && typeof options.jwksUri !== 'string')
    fail('`jwksUri` must be a string');
  const remote = (issuer: string) =>
    createRemoteKeySource({
      issuer,
      jwksUri: options.jwksUri,
      cache: options.jwksCache,
      allowInsecureHttp: options.allowInsecureHttp === true,
      fetch: options.fetch,
      now: options.now,
      onEvent: options.onEvent,
    });
  // With a jwksUri every listed issuer shares that one key set (the user said so). With
  // discovery, each issuer gets its own keys, so no issuer can sign for another.
  if (options.jwksUri !== undefined || issuers.size === 1)
    return remote(issuers.values().next().value as string);
  return createIssuerKeySources(new Map([...issuers].map((issuer) => [issuer, remote(issuer)])));
}

/** The unverified `iss`, read only to pick the issuer's key set (multi-issuer discovery). */
function unverifiedIssuer(claims: JwtClaims): string | undefined {
  return typeof claims.iss === 'string' ? claims.iss : undefined;
}

// Distinct header segments that verify are few (one per signing key and alg);
// the bound only matters for an issuer that varies its headers per token.
const MAX_CACHED_HEADERS = 64;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    // Claims are mostly primitives: test before recursing (one call per nested object only).
    const keys = Object.keys(value);
    for (let i = 0; i < keys.length; i++) {
      const member = (value as Record<string, unknown>)[keys[i] as string];
      if (typeof member === 'object' && member !== null) deepFreeze(member);
    }
  }
  return value;
}

/** A rejection from token processing: ScopegateErrors pass, anything unexpected fails closed as 401. */
function asTokenError(error: unknown): ScopegateError {
  if (isScopegateError(error)) return error;
  return new InvalidTokenError('internal', 'the token could not be verified', { cause: error });
}

/** A rejection from the key source: anything that is not a ScopegateError means keys are unavailable (503). */
function asKeyError(error: unknown): ScopegateError {
  if (isScopegateError(error)) return error;
  return new TemporarilyUnavailableError(undefined, { cause: error });
}

function denial(error: unknown, realm: string): AuthorizeDecision {
  const failure = isScopegateError(error) ? error : new InternalError({ cause: error });
  return Object.freeze({
    ok: false as const,
    status: failure.status,
    headers: Object.freeze(failure.headers(realm)),
    body: Object.freeze(failure.toBody()),
    error: failure,
  });
}

/**
 * Creates a verifier. Options are validated eagerly: a bad configuration
 * throws `ConfigurationError` here, never on the first request.
 *
 * @throws ConfigurationError when `issuer` or `audience` is missing, more
 *   than one key source is given, `secret` is combined with asymmetric
 *   algorithms (or is shorter than 32 bytes), `none` or an unknown algorithm
 *   is listed, an `http:` key or discovery URL points to a non-loopback host
 *   without `allowInsecureHttp`, a number is out of range, or an option name
 *   is not one of {@link VERIFIER_OPTION_NAMES} (or, inside `jwksCache` and
 *   `tokenCache`, of `JWKS_CACHE_OPTION_NAMES` and `TOKEN_CACHE_OPTION_NAMES`).
 */
export function createVerifier(options: VerifierOptions): SyncVerifier {
  if (typeof options !== 'object' || options === null) fail('createVerifier needs an options object');
  checkOptionNames(options, VERIFIER_OPTION_NAMES, 'createVerifier()');
  if (typeof options.jwksCache === 'object' && options.jwksCache !== null)
    checkOptionNames(options.jwksCache, JWKS_CACHE_OPTION_NAMES, 'createVerifier() jwksCache');
  const profile = getProfile(options.profile ?? 'generic');
  const rules = compileClaimRules({
    issuer: options.issuer,
    audience: options.audience,
    clockToleranceSec: options.clockToleranceSec,
    typ: options.typ,
    maxTokenAgeSec: options.maxTokenAgeSec,
    requiredClaims: options.requiredClaims,
    audienceFallbackClaim: profile.audienceFallbackClaim,
  });
  const algorithms = resolveAlgorithms(options, options.secret !== undefined);
  const maxTokenLength = options.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH;
  if (!Number.isInteger(maxTokenLength) || maxTokenLength < 16)
    fail('`maxTokenLength` must be an integer >= 16');
  const scopeMatch: ScopeMatch = options.scopeMatch ?? 'exact';
  if (scopeMatch !== 'exact' && scopeMatch !== 'wildcard') fail("`scopeMatch` must be 'exact' or 'wildcard'");
  const realm = options.realm ?? DEFAULT_REALM;
  if (typeof realm !== 'string') fail('`realm` must be a string');
  if (options.now !== undefined && typeof options.now !== 'function') fail('`now` must be a function');
  const now = options.now ?? Date.now;
  const cache = createTokenCache(options.tokenCache);
  const keySource = createKeySource(options, rules.issuers);
  const routesByIssuer =
    rules.issuers.size > 1 &&
    [options.jwksUri, options.jwks, options.secret, options.keySource].every((o) => o === undefined);
  const tolerance = rules.clockToleranceSec;
  // Filled only after a signature check passed, so forged headers cannot crowd it.
  const headerCache: HeaderCache = new Map();

  // Signature, payload, claims, subject. Throws ScopegateErrors. `decoded`: the payload, when
  // it was already decoded (to route by issuer) before the signature check.
  function complete(
    token: string,
    parts: JwsParts,
    key: VerificationKey,
    decoded?: JwtClaims,
  ): VerifiedToken {
    const header = parts.header;
    if (!verifyJwsSignature(header.alg, key.keyObject, parts.signingInput, parts.signatureSegment))
      throw new SignatureInvalidError();
    if (headerCache.size < MAX_CACHED_HEADERS && !headerCache.has(parts.headerSegment))
      headerCache.set(parts.headerSegment, deepFreeze(header));
    const claims = decoded ?? decodePayload(parts.payloadSegment);
    const nowMs = now();
    checkClaims(claims, rules, Math.floor(nowMs / 1000));
    if (profile.validate !== undefined) profile.validate(claims);
    // Kept for the token's lifetime when cached: one copy of what every token of a client repeats.
    shareClaimValues(claims);
    const subject = claims.sub;
    if (typeof subject !== 'string' || subject.length === 0)
      throw new ClaimInvalidError('sub', 'the token has no subject (sub)');
    const subjectType = profile.subjectType(claims);
    const expiresAt = claims.exp as number;
    const verified: VerifiedToken = Object.freeze({
      token,
      header: deepFreeze(header),
      claims: deepFreeze(claims),
      issuer: claims.iss as string,
      subject,
      subjectType,
      clientId: profile.clientId(claims, subjectType),
      scopes: profile.scopes(claims),
      expiresAt,
    });
    if (cache !== undefined) cache.set(token, verified, (expiresAt + tolerance) * 1000 - nowMs);
    return verified;
  }

  function completeSafely(
    token: string,
    parts: JwsParts,
    key: VerificationKey,
    decoded: JwtClaims | undefined,
  ): VerifiedToken {
    try {
      return complete(token, parts, key, decoded);
    } catch (error) {
      throw asTokenError(error);
    }
  }

  // The whole pipeline; synchronous unless the key has to be fetched. Throws ScopegateErrors
  // (and, from a bug, anything else: the public wrappers turn that into a 401, fail closed).
  function verifyNow(token: string): MaybePromise<VerifiedToken> {
    if (typeof token !== 'string') throw new MalformedTokenError('the token must be a string');
    if (token.length > maxTokenLength) throw new TokenTooLargeError();
    if (cache !== undefined) {
      const hit = cache.get(token);
      if (hit !== undefined) {
        try {
          checkTimes(hit.claims, rules, Math.floor(now() / 1000));
        } catch (error) {
          if (error instanceof TokenExpiredError) cache.delete(token);
          throw error;
        }
        return hit;
      }
    }
    const parts = parseJws(token, algorithms, maxTokenLength, headerCache);
    checkTokenType(parts.header, rules);
    // Several issuers with discovery: the (still unverified) iss picks the key set, so the
    // payload is decoded here, once, and handed on.
    const decoded = routesByIssuer ? decodePayload(parts.payloadSegment) : undefined;
    let key: VerificationKey | Promise<VerificationKey>;
    try {
      key =
        decoded !== undefined
          ? keySource.getKey(parts.header, unverifiedIssuer(decoded))
          : keySource.getKey(parts.header);
    } catch (error) {
      throw asKeyError(error);
    }
    if (isPromise(key)) {
      // Promise.resolve: a custom key source may hand back any thenable; callers get a native promise.
      return Promise.resolve(key).then(
        (resolved) => completeSafely(token, parts, resolved, decoded),
        (error: unknown) => {
          throw asKeyError(error);
        },
      );
    }
    return complete(token, parts, key, decoded);
  }

  // For the guard: a value now, or a promise that only rejects with ScopegateErrors.
  function verifyNowSafely(token: string): MaybePromise<VerifiedToken> {
    try {
      return verifyNow(token);
    } catch (error) {
      throw asTokenError(error);
    }
  }

  function verify(token: string): Promise<VerifiedToken> {
    try {
      const result = verifyNow(token);
      return isPromise(result) ? result : Promise.resolve(result);
    } catch (error) {
      return Promise.reject(asTokenError(error));
    }
  }

  function verifySync(token: string): VerifiedToken {
    const result = verifyNowSafely(token);
    if (!isPromise(result)) return result;
    // The key load goes on; its outcome (cached key, or an error) is for the next call.
    result.catch(() => undefined);
    throw new TemporarilyUnavailableError(
      'the signing keys are not loaded yet (call warmup() before verifySync())',
      { reason: 'keys_not_loaded', retryAfter: 1 },
    );
  }

  function decide(auth: VerifiedToken, requirement: AuthorizeRequirement | undefined): AuthorizeDecision {
    try {
      if (requirement !== undefined) checkRequirement(auth, requirement, scopeMatch);
      return Object.freeze({ ok: true as const, auth });
    } catch (error) {
      return denial(error, realm);
    }
  }

  function authorize(
    authorization: string | readonly string[] | undefined | null,
    requirement?: AuthorizeRequirement,
  ): Promise<AuthorizeDecision> {
    let token: string;
    try {
      token = extractBearerToken(authorization);
    } catch (error) {
      return Promise.resolve(denial(error, realm));
    }
    try {
      const auth = verifyNow(token);
      if (isPromise(auth))
        return auth.then(
          (resolved) => decide(resolved, requirement),
          (error: unknown) => denial(asTokenError(error), realm),
        );
      return Promise.resolve(decide(auth, requirement));
    } catch (error) {
      return Promise.resolve(denial(asTokenError(error), realm));
    }
  }

  async function warmup(): Promise<void> {
    try {
      await keySource.warmup();
    } catch (error) {
      throw asKeyError(error);
    }
  }

  return Object.freeze({
    // The guard finds the synchronous path on verify itself (see fast-path.ts).
    verify: attachFastPath(verify, { now: verifyNowSafely } satisfies VerifyFastPath),
    verifySync,
    authorize,
    warmup,
    realm,
    scopeMatch,
  });
}
