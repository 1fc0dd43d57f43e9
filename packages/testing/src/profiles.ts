/**
 * Token shapes by issuer (the `profile` option): how each authorization
 * server writes a machine token and a person's token, after the vendors'
 * documented client_credentials token shapes (the facts `@scopegate/core`'s
 * presets of the same names encode). A profile sets the header `typ`, the form of `aud`, the claim that
 * names the client, where scopes go and what marks a machine. Claims that
 * scopegate does not read (Entra `tid`, Okta `auth_time`, …) are left out.
 */
import { createHash } from 'node:crypto';

/** Issuer presets for token shapes; the same names as `@scopegate/core`'s `profile` option. */
export type TestProfile = 'generic' | 'hydra' | 'auth0' | 'okta' | 'entra' | 'keycloak' | 'cognito';

/** Every {@link TestProfile}. */
export const TEST_PROFILES = [
  'generic',
  'hydra',
  'auth0',
  'okta',
  'entra',
  'keycloak',
  'cognito',
] as const satisfies readonly TestProfile[];

/** How one issuer shapes its tokens. */
export interface ProfileShape {
  /** Header `typ` the issuer sends; `undefined`: none. */
  readonly typ: string | undefined;
  /** The `aud` claim for the configured audience; `undefined`: the issuer sends no `aud`. */
  aud(audience: string | readonly string[]): string | readonly string[] | undefined;
  /** Claims of a client_credentials (machine) token, beside the registered ones. */
  client(clientId: string, scopes: readonly string[]): Record<string, unknown>;
  /** Claims of a person's token issued to the app `clientId`, beside the registered ones. */
  user(subject: string, clientId: string, scopes: readonly string[]): Record<string, unknown>;
}

/** A stable, UUID-shaped identifier derived from `value` (object ids and user UUIDs of the presets). */
export function derivedId(namespace: string, value: string): string {
  const hex = createHash('sha256').update(`${namespace}\0${value}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

const spaced = (scopes: readonly string[]): string | undefined =>
  scopes.length === 0 ? undefined : scopes.join(' ');
const listed = (scopes: readonly string[]): string[] | undefined =>
  scopes.length === 0 ? undefined : [...scopes];
const asGiven = (audience: string | readonly string[]) => audience;

/** RFC 9068 with the contract's machine marker: `gty`, `client_id`, `scope` string. */
const generic: ProfileShape = {
  typ: 'at+jwt',
  aud: asGiven,
  client: (clientId, scopes) => ({
    sub: clientId,
    client_id: clientId,
    gty: 'client_credentials',
    scope: spaced(scopes),
  }),
  user: (subject, clientId, scopes) => ({ sub: subject, client_id: clientId, scope: spaced(scopes) }),
};

/** Ory Hydra, JWT strategy: `sub == client_id` for machines, `scp` array, `aud` always an array. */
const hydra: ProfileShape = {
  typ: 'JWT',
  aud: (audience) => (typeof audience === 'string' ? [audience] : [...audience]),
  client: (clientId, scopes) => ({ sub: clientId, client_id: clientId, scp: listed(scopes) }),
  user: (subject, clientId, scopes) => ({ sub: subject, client_id: clientId, scp: listed(scopes) }),
};

/** Auth0: `sub` is `<client id>@clients`, `gty: "client-credentials"`, client in `azp`, `scope` string. */
const auth0: ProfileShape = {
  typ: 'JWT',
  aud: asGiven,
  client: (clientId, scopes) => ({
    sub: `${clientId}@clients`,
    azp: clientId,
    gty: 'client-credentials',
    scope: spaced(scopes),
  }),
  user: (subject, clientId, scopes) => ({ sub: subject, azp: clientId, scope: spaced(scopes) }),
};

/** Okta: client in `cid`, `sub == cid` and no `uid` for machines, `scp` array. Header `typ` unconfirmed: none sent. */
const okta: ProfileShape = {
  typ: undefined,
  aud: asGiven,
  client: (clientId, scopes) => ({ ver: 1, cid: clientId, sub: clientId, scp: listed(scopes) }),
  user: (subject, clientId, scopes) => ({
    ver: 1,
    cid: clientId,
    uid: `00u${derivedId('okta-user', subject).replaceAll('-', '').slice(0, 17)}`,
    sub: subject,
    scp: listed(scopes),
  }),
};

/**
 * Microsoft Entra ID v2: client in `azp`; an app token's `sub` equals `oid`
 * (the service principal) and its permissions are `roles`, with no `scp`; a
 * person's token has delegated `scp` (space-separated) and an `oid` other
 * than its pairwise `sub`. The optional `idtyp` claim is not sent (Entra's
 * default); add `{ idtyp: 'app' }` through the claims to test it.
 */
const entra: ProfileShape = {
  typ: 'JWT',
  aud: asGiven,
  client: (clientId, scopes) => {
    const servicePrincipal = derivedId('entra-service-principal', clientId);
    return {
      ver: '2.0',
      azp: clientId,
      azpacr: '1',
      oid: servicePrincipal,
      sub: servicePrincipal,
      roles: listed(scopes),
    };
  },
  user: (subject, clientId, scopes) => ({
    ver: '2.0',
    azp: clientId,
    azpacr: '0',
    oid: derivedId('entra-user', subject),
    sub: subject,
    scp: spaced(scopes),
  }),
};

/**
 * Keycloak: a service account's `sub` is the UUID of its service-account
 * user (not the client id) and `preferred_username` is
 * `service-account-<client id>` (lower case); client in `client_id` and `azp`.
 */
const keycloak: ProfileShape = {
  typ: 'JWT',
  aud: asGiven,
  client: (clientId, scopes) => ({
    sub: derivedId('keycloak-service-account', clientId),
    typ: 'Bearer',
    azp: clientId,
    client_id: clientId,
    preferred_username: `service-account-${clientId.toLowerCase()}`,
    scope: spaced(scopes),
  }),
  user: (subject, clientId, scopes) => ({
    sub: subject,
    typ: 'Bearer',
    azp: clientId,
    preferred_username: subject,
    scope: spaced(scopes),
  }),
};

/**
 * Amazon Cognito: no header `typ`, no `aud` (scopegate then checks
 * `client_id` against the audience), `token_use: "access"`, `sub ==
 * client_id` and no `username` for machines.
 */
const cognito: ProfileShape = {
  typ: undefined,
  aud: () => undefined,
  client: (clientId, scopes) => ({
    sub: clientId,
    client_id: clientId,
    token_use: 'access',
    scope: spaced(scopes),
    version: 2,
  }),
  user: (subject, clientId, scopes) => ({
    sub: subject,
    username: subject,
    client_id: clientId,
    token_use: 'access',
    scope: spaced(scopes),
    version: 2,
  }),
};

/** Every shape by profile name. */
export const PROFILE_SHAPES: Readonly<Record<TestProfile, ProfileShape>> = Object.freeze({
  generic,
  hydra,
  auth0,
  okta,
  entra,
  keycloak,
  cognito,
});
