/**
 * Registered-claim checks (RFC 7519 §4.1, RFC 9068 §4): `iss` one-of, `aud`
 * intersection, `exp` required, `nbf`, `iat` with `maxTokenAgeSec`, header
 * `typ`, and `requiredClaims`. Rules are compiled once per verifier; every
 * failure is its own error class whose description names the check and never
 * contains a claim value from the token.
 */
import {
  AudienceMismatchError,
  ClaimInvalidError,
  ConfigurationError,
  IssuerMismatchError,
  TokenExpiredError,
  TokenNotYetValidError,
  TokenTooOldError,
  TokenTypeMismatchError,
} from '../errors.js';
import type { JwtClaims, JwtHeader } from '../types.js';

/** Default of `clockToleranceSec`. */
export const DEFAULT_CLOCK_TOLERANCE_SEC = 5;

/** Options of {@link compileClaimRules} (the claim-related subset of `VerifierOptions`). */
export interface ClaimRuleOptions {
  /** Accepted issuer(s); `iss` must equal one exactly. */
  issuer: string | readonly string[];
  /** Accepted audience(s); `aud` (string or array) must contain one. */
  audience: string | readonly string[];
  /** Leeway for `exp`, `nbf`, `iat`. Default 5. */
  clockToleranceSec?: number;
  /** Required header `typ` (case-insensitive, optional `application/` prefix). Default: not checked. */
  typ?: string;
  /** Maximum age from `iat`, in seconds (then `iat` is required). Default: not checked. */
  maxTokenAgeSec?: number;
  /** Claims that must be present, or present with an exact value. Default: none. */
  requiredClaims?: readonly string[] | { readonly [claim: string]: string | number | boolean };
  /**
   * Claim compared with `audience` when the token has no `aud` at all (the
   * Cognito preset uses `client_id`: Cognito access tokens carry no `aud`).
   * Default: none, a missing `aud` fails.
   */
  audienceFallbackClaim?: string;
}

/** Compiled, immutable claim rules. */
export interface ClaimRules {
  readonly issuers: ReadonlySet<string>;
  readonly audiences: ReadonlySet<string>;
  readonly clockToleranceSec: number;
  /** Normalised `typ` (lower case, no `application/`), or `undefined`. */
  readonly typ: string | undefined;
  readonly maxTokenAgeSec: number | undefined;
  readonly requiredNames: readonly string[];
  readonly requiredValues: readonly (readonly [string, string | number | boolean])[];
  readonly audienceFallbackClaim: string | undefined;
}

function nonEmptyStrings(value: unknown, name: string): string[] {
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? [...value] : undefined;
  if (!list || list.length === 0 || list.some((v) => typeof v !== 'string' || v.length === 0))
    throw new ConfigurationError(
      `scopegate: \`${name}\` must be a non-empty string or a non-empty array of them`,
    );
  return list as string[];
}

/** Lower-cases a media type and drops an `application/` prefix (RFC 7515 §4.1.9). */
export function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice(12) : lower;
}

/**
 * Validates and compiles the claim options. Throws `ConfigurationError` for
 * missing issuer/audience or out-of-range numbers.
 */
export function compileClaimRules(options: ClaimRuleOptions): ClaimRules {
  const issuers = new Set(nonEmptyStrings(options.issuer, 'issuer'));
  const audiences = new Set(nonEmptyStrings(options.audience, 'audience'));
  const tolerance = options.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC;
  if (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance < 0)
    throw new ConfigurationError('scopegate: `clockToleranceSec` must be a finite number >= 0');
  const maxAge = options.maxTokenAgeSec;
  if (maxAge !== undefined && (typeof maxAge !== 'number' || !Number.isFinite(maxAge) || maxAge <= 0))
    throw new ConfigurationError('scopegate: `maxTokenAgeSec` must be a positive number');
  if (options.typ !== undefined && (typeof options.typ !== 'string' || options.typ.length === 0))
    throw new ConfigurationError('scopegate: `typ` must be a non-empty string');
  const requiredNames: string[] = [];
  const requiredValues: [string, string | number | boolean][] = [];
  const required = options.requiredClaims;
  if (Array.isArray(required)) {
    for (const name of required) {
      if (typeof name !== 'string' || name.length === 0)
        throw new ConfigurationError('scopegate: `requiredClaims` must list claim names');
      requiredNames.push(name);
    }
  } else if (required !== undefined) {
    if (typeof required !== 'object' || required === null)
      throw new ConfigurationError('scopegate: `requiredClaims` must be an array or an object');
    for (const [name, value] of Object.entries(required)) {
      if (!['string', 'number', 'boolean'].includes(typeof value))
        throw new ConfigurationError(
          `scopegate: \`requiredClaims.${name}\` must be a string, number or boolean`,
        );
      requiredValues.push([name, value]);
    }
  }
  return Object.freeze({
    issuers,
    audiences,
    clockToleranceSec: tolerance,
    typ: options.typ === undefined ? undefined : normalizeTyp(options.typ),
    maxTokenAgeSec: maxAge,
    requiredNames,
    requiredValues,
    audienceFallbackClaim: options.audienceFallbackClaim,
  });
}

/** Checks the header `typ` against the rule, if any. */
export function checkTokenType(header: JwtHeader, rules: ClaimRules): void {
  if (rules.typ === undefined) return;
  if (typeof header.typ !== 'string' || normalizeTyp(header.typ) !== rules.typ)
    throw new TokenTypeMismatchError(`the token type (typ) is not accepted (expected ${rules.typ})`);
}

function audienceMatches(aud: unknown, audiences: ReadonlySet<string>): boolean {
  if (typeof aud === 'string') return audiences.has(aud);
  if (Array.isArray(aud)) {
    for (const value of aud) if (typeof value === 'string' && audiences.has(value)) return true;
  }
  return false;
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * The time checks (`exp`, `nbf`, `iat` age). They run on every verification,
 * including verified-token cache hits. Assumes {@link checkClaims} already
 * validated the claim types.
 *
 * @param nowSec - current time in epoch seconds (whole).
 */
export function checkTimes(claims: JwtClaims, rules: ClaimRules, nowSec: number): void {
  const tolerance = rules.clockToleranceSec;
  // Same boundaries as jose: expired when exp <= now - tolerance.
  if ((claims.exp as number) <= nowSec - tolerance) throw new TokenExpiredError();
  const nbf = claims.nbf;
  if (nbf !== undefined && (nbf as number) > nowSec + tolerance) throw new TokenNotYetValidError();
  if (rules.maxTokenAgeSec !== undefined) {
    const age = nowSec - (claims.iat as number);
    if (age - tolerance > rules.maxTokenAgeSec)
      throw new TokenTooOldError('the token was issued too long ago (iat, maxTokenAgeSec)');
    if (age < -tolerance) throw new TokenTooOldError('the token was issued in the future (iat)');
  }
}

/**
 * All claim checks: types of the registered claims, `iss`, `aud`,
 * `requiredClaims`, then {@link checkTimes}.
 */
export function checkClaims(claims: JwtClaims, rules: ClaimRules, nowSec: number): void {
  const iss = claims.iss;
  if (typeof iss !== 'string') throw new IssuerMismatchError('the token has no issuer (iss)');
  if (!rules.issuers.has(iss)) throw new IssuerMismatchError();

  let aud = claims.aud;
  if (aud === undefined && rules.audienceFallbackClaim !== undefined)
    aud = claims[rules.audienceFallbackClaim];
  if (aud === undefined) throw new AudienceMismatchError('the token has no audience (aud)');
  if (!audienceMatches(aud, rules.audiences)) throw new AudienceMismatchError();

  if (!isNumericDate(claims.exp)) throw new ClaimInvalidError('exp', 'the token has no numeric expiry (exp)');
  if (claims.nbf !== undefined && !isNumericDate(claims.nbf))
    throw new ClaimInvalidError('nbf', 'the token not-before time (nbf) is not a number');
  if (claims.iat !== undefined && !isNumericDate(claims.iat))
    throw new ClaimInvalidError('iat', 'the token issued-at time (iat) is not a number');
  if (rules.maxTokenAgeSec !== undefined && claims.iat === undefined)
    throw new ClaimInvalidError('iat', 'the token has no issued-at time (iat), required by maxTokenAgeSec');

  for (const name of rules.requiredNames) {
    if (claims[name] === undefined || claims[name] === null)
      throw new ClaimInvalidError(name, `the required claim ${name} is missing`);
  }
  for (const [name, expected] of rules.requiredValues) {
    if (claims[name] !== expected)
      throw new ClaimInvalidError(name, `the required claim ${name} is missing or has an unexpected value`);
  }
  checkTimes(claims, rules, nowSec);
}
