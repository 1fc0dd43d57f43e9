/**
 * Claim values and the registered claims every minted token starts from:
 * scopes as given by a test, `iss`/`aud`/`iat`/`exp`/`jti` defaults, and the
 * merge rule (a claim set to `undefined` is left out of the token).
 */
import { randomUUID } from 'node:crypto';

/**
 * A JWT claims set as a test writes it. Values must be JSON-serialisable; a
 * claim whose value is `undefined` is left out of the token, which is how a
 * test removes a claim the issuer would otherwise set.
 */
export type Claims = { readonly [claim: string]: unknown };

/** Scopes: one space-separated string (`'data:read data:write'`) or a list (`['data:read', 'data:write']`). */
export type Scopes = string | readonly string[];

/** The registered claims {@link TokenMinter.sign} fills in unless the claims give them. */
export type DefaultClaimName = 'iss' | 'aud' | 'iat' | 'exp' | 'jti';

/** Every name of {@link DefaultClaimName}, in the order they appear in a token. */
export const DEFAULT_CLAIM_NAMES = [
  'iss',
  'aud',
  'iat',
  'exp',
  'jti',
] as const satisfies readonly DefaultClaimName[];

/**
 * The scopes as a list: a string is split on spaces, empty entries are
 * dropped and repeats removed (first occurrence kept).
 * @throws TypeError when `scopes` is neither a string nor an array of strings.
 */
export function scopeList(scopes: Scopes | undefined): string[] {
  if (scopes === undefined) return [];
  if (typeof scopes !== 'string' && !Array.isArray(scopes))
    throw new TypeError('@scopegate/testing: scopes must be a string or an array of strings');
  const parts: readonly unknown[] = typeof scopes === 'string' ? [scopes] : scopes;
  const list: string[] = [];
  for (const part of parts) {
    if (typeof part !== 'string')
      throw new TypeError('@scopegate/testing: scopes must be a string or an array of strings');
    for (const scope of part.split(' ')) if (scope.length > 0 && !list.includes(scope)) list.push(scope);
  }
  return list;
}

/** What the registered-claim defaults are computed from. */
export interface ClaimDefaults {
  readonly issuer: string;
  /** `undefined`: no `aud` claim (Cognito access tokens have none). */
  readonly audience: string | readonly string[] | undefined;
  /** Current time, epoch milliseconds. */
  readonly nowMs: number;
  readonly expiresInSec: number;
  /** `nbf` relative to now, seconds; `undefined`: no `nbf`. */
  readonly notBeforeSec: number | undefined;
}

/** The default registered claims: `iss`, `aud`, `iat` (now, whole seconds), `exp` (`iat` + lifetime), `jti` (random UUID), and `nbf` when asked for. */
export function defaultClaims(defaults: ClaimDefaults): Record<string, unknown> {
  const iat = Math.floor(defaults.nowMs / 1000);
  return {
    iss: defaults.issuer,
    aud: defaults.audience,
    iat,
    ...(defaults.notBeforeSec === undefined ? {} : { nbf: iat + defaults.notBeforeSec }),
    exp: iat + defaults.expiresInSec,
    jti: randomUUID(),
  };
}

/**
 * Layers claim sets, later ones winning, and drops every claim whose final
 * value is `undefined` (so `{ gty: undefined }` removes `gty`).
 */
export function mergeClaims(...layers: readonly Claims[]): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  // defineProperty, not assignment: a claim named `__proto__` stays a claim.
  for (const layer of layers)
    for (const [name, value] of Object.entries(layer))
      Object.defineProperty(merged, name, { value, enumerable: true, writable: true, configurable: true });
  for (const [name, value] of Object.entries(merged)) if (value === undefined) delete merged[name];
  return merged;
}
