/**
 * Issuer presets (`profile` option): how each authorization server marks a
 * machine subject, names the client and carries granted permissions. The
 * rules follow each vendor's documented client_credentials token shape; the
 * core README lists them with the claims read.
 */
import { ClaimInvalidError, ConfigurationError } from './errors.js';
import { scopeSetOf } from './shared-values.js';
import {
  collectScopes,
  genericClientId,
  genericScopes,
  genericSubjectType,
  isClientCredentialsGrant,
  ScopeSet,
  stringClaim,
  stripClientsSuffix,
} from './subject.js';
import type { JwtClaims, ProfileName, SubjectType } from './types.js';

/** An issuer preset. */
export interface Profile {
  readonly name: ProfileName;
  /** Machine (`'client'`) or person (`'user'`). */
  subjectType(claims: JwtClaims): SubjectType;
  /** The OAuth client the token was issued to, if the claims say. */
  clientId(claims: JwtClaims, subjectType: SubjectType): string | undefined;
  /** Granted scopes (read-only set). */
  scopes(claims: JwtClaims): ScopeSet;
  /** Extra preset-specific checks after the standard claims (throws an `InvalidTokenError`). */
  validate?(claims: JwtClaims): void;
  /** Claim compared with `audience` when the token has no `aud` (Cognito: `client_id`). */
  readonly audienceFallbackClaim?: string;
}

// The usual shape (a `scope` string, no other claim that counts) gets the shared ScopeSet of
// that string; anything else is built per token.
function scopesOf(claims: JwtClaims, extra?: string): ScopeSet {
  const scope = claims.scope;
  if (
    typeof scope === 'string' &&
    claims.scp === undefined &&
    (extra === undefined || claims[extra] === undefined)
  )
    return scopeSetOf(scope);
  return extra === undefined ? genericScopes(claims) : scopesFrom(claims, extra);
}

function scopesFrom(claims: JwtClaims, extra: string): ScopeSet {
  const scopes: string[] = [];
  collectScopes(scopes, claims.scope);
  collectScopes(scopes, claims.scp);
  collectScopes(scopes, claims[extra]);
  return new ScopeSet(scopes);
}

/** The contract's rules as written (default). */
const generic: Profile = {
  name: 'generic',
  subjectType: genericSubjectType,
  clientId: genericClientId,
  scopes: (claims) => scopesOf(claims),
};

/** Ory Hydra (JWT access token strategy): a client only when `sub == client_id`; scopes in `scp`. */
const hydra: Profile = {
  name: 'hydra',
  subjectType(claims) {
    const clientId = stringClaim(claims, 'client_id');
    return clientId !== undefined && claims.sub === clientId ? 'client' : 'user';
  },
  clientId: (claims) => stringClaim(claims, 'client_id'),
  scopes: (claims) => scopesOf(claims),
};

/** Auth0: `gty: "client-credentials"` or `sub` ending in `@clients`; `permissions` (RBAC) count as scopes. */
const auth0: Profile = {
  name: 'auth0',
  subjectType(claims) {
    const sub = claims.sub;
    return isClientCredentialsGrant(claims.gty) || (typeof sub === 'string' && sub.endsWith('@clients'))
      ? 'client'
      : 'user';
  },
  clientId(claims, subjectType) {
    const id = stringClaim(claims, 'client_id') ?? stringClaim(claims, 'azp');
    if (id !== undefined || subjectType !== 'client') return id;
    const sub = stringClaim(claims, 'sub');
    return sub === undefined ? undefined : stripClientsSuffix(sub);
  },
  scopes: (claims) => scopesOf(claims, 'permissions'),
};

/** Okta: a client when there is no `uid` and `sub == cid`; client id in `cid`; scopes in `scp`. */
const okta: Profile = {
  name: 'okta',
  subjectType(claims) {
    const cid = stringClaim(claims, 'cid');
    return claims.uid === undefined && cid !== undefined && claims.sub === cid ? 'client' : 'user';
  },
  clientId: (claims) => stringClaim(claims, 'cid') ?? stringClaim(claims, 'client_id'),
  scopes: (claims) => scopesOf(claims),
};

/**
 * Microsoft Entra ID (v1 and v2): `idtyp: "app"` marks an app-only token;
 * without the optional `idtyp`, a token with no `scp` whose `oid` equals
 * `sub` is app-only. Client id from `azp` (v2) or `appid` (v1). Application
 * permissions (`roles`) count as scopes next to delegated `scp`.
 */
const entra: Profile = {
  name: 'entra',
  subjectType(claims) {
    if (claims.idtyp === 'app') return 'client';
    if (claims.idtyp !== undefined) return 'user';
    const oid = stringClaim(claims, 'oid');
    return claims.scp === undefined && oid !== undefined && claims.sub === oid ? 'client' : 'user';
  },
  clientId: (claims) => stringClaim(claims, 'azp') ?? stringClaim(claims, 'appid'),
  scopes: (claims) => scopesOf(claims, 'roles'),
};

const SERVICE_ACCOUNT_PREFIX = 'service-account-';

function keycloakClientId(claims: JwtClaims): string | undefined {
  // `clientId` is what Keycloak releases before the `client_id` mapper existed.
  return stringClaim(claims, 'client_id') ?? stringClaim(claims, 'azp') ?? stringClaim(claims, 'clientId');
}

/**
 * Keycloak: a service account's `preferred_username` is
 * `service-account-<clientId>` (lower-cased by Keycloak); it is a client only
 * when that name matches the token's own client (`client_id`, else `azp`).
 * `sub` is the service-account user's UUID, not the client id.
 */
const keycloak: Profile = {
  name: 'keycloak',
  subjectType(claims) {
    const username = stringClaim(claims, 'preferred_username');
    const clientId = keycloakClientId(claims);
    if (username === undefined || clientId === undefined || !username.startsWith(SERVICE_ACCOUNT_PREFIX))
      return 'user';
    return username.toLowerCase() === (SERVICE_ACCOUNT_PREFIX + clientId).toLowerCase() ? 'client' : 'user';
  },
  clientId: keycloakClientId,
  scopes: (claims) => scopesOf(claims),
};

/**
 * Amazon Cognito: only access tokens (`token_use: "access"`); a client when
 * there is no `username`; client id in `client_id`. Cognito access tokens
 * have no `aud`, so when `aud` is absent `client_id` must be one of the
 * configured `audience` values (configure the app client ids as audience).
 */
const cognito: Profile = {
  name: 'cognito',
  subjectType: (claims) => (claims.username === undefined ? 'client' : 'user'),
  clientId: (claims) => stringClaim(claims, 'client_id'),
  scopes: (claims) => scopesOf(claims),
  validate(claims) {
    if (claims.token_use !== 'access')
      throw new ClaimInvalidError('token_use', 'the token is not an access token (token_use)');
  },
  audienceFallbackClaim: 'client_id',
};

/** Every built-in preset by name. */
export const PROFILES: Readonly<Record<ProfileName, Profile>> = Object.freeze({
  generic,
  hydra,
  auth0,
  okta,
  entra,
  keycloak,
  cognito,
});

/**
 * The preset for a `profile` option value (default `'generic'`).
 * @throws ConfigurationError for an unknown name.
 */
export function getProfile(name: ProfileName = 'generic'): Profile {
  const profile = Object.hasOwn(PROFILES, name) ? PROFILES[name] : undefined;
  if (profile === undefined)
    throw new ConfigurationError(
      `scopegate: unknown profile; use one of ${Object.keys(PROFILES).join(', ')}`,
    );
  return profile;
}
