/**
 * `createTestIssuer`: an in-process stand-in for an OAuth 2.0 authorization
 * server, for an API's test suite. It holds signing keys, publishes their
 * public halves, and mints access tokens that scopegate accepts (client and
 * user tokens, arbitrary claims) and tokens it must refuse. `listen()` puts
 * the keys and discovery documents on a loopback HTTP server.
 *
 * NEVER use it in production: its keys live in memory, anyone holding the
 * object can mint any token, and nothing authenticates who asks for one.
 */
import {
  type Claims,
  DEFAULT_CLAIM_NAMES,
  type DefaultClaimName,
  defaultClaims,
  mergeClaims,
  type Scopes,
  scopeList,
} from './claims.js';
import {
  DEFAULT_INVALID_TOKEN_CLIENT_ID,
  INVALID_TOKEN_KINDS,
  INVALID_TOKEN_OPTION_NAMES,
  type InvalidTokenKind,
  type InvalidTokenOptions,
  mintInvalidToken,
} from './invalid-tokens.js';
import { JWKS_PATH, startJwksServer } from './jwks-server.js';
import { signJwt, type TokenHeader } from './jws.js';
import {
  generateSigningKey,
  KeyRing,
  type PublicJwkSet,
  type SigningKey,
  TEST_ALGORITHMS,
  type TestAlgorithm,
} from './keys.js';
import {
  checkOptionNames,
  fail,
  optionalAudience,
  optionalBoolean,
  optionalNumber,
  optionalOneOf,
  optionalString,
  requiredString,
} from './options.js';
import { PROFILE_SHAPES, type ProfileShape, TEST_PROFILES, type TestProfile } from './profiles.js';

/** Default `issuer`. */
export const DEFAULT_ISSUER = 'https://issuer.test/';
/** Default `audience`. */
export const DEFAULT_AUDIENCE = 'https://api.test';
/** Default signing algorithm. */
export const DEFAULT_ALGORITHM: TestAlgorithm = 'RS256';
/** Default token lifetime, seconds. */
export const DEFAULT_EXPIRES_IN_SEC = 300;
/** Client (the app) that user tokens are issued to when none is given. */
export const DEFAULT_USER_CLIENT_ID = 'test-app';

/** Options of {@link createTestIssuer}. Every one is optional. */
export interface TestIssuerOptions {
  /**
   * `iss` of the tokens. Default `'https://issuer.test/'`; after `listen()`,
   * the listening issuer uses its own URL instead, unless this is given.
   */
  issuer?: string;
  /**
   * `aud` of the tokens (a string, or a list put in `aud` as an array).
   * Default `'https://api.test'`. Required with `profile: 'cognito'`: Cognito
   * tokens carry no `aud` and scopegate checks their `client_id` against the
   * audience, so give the client ids you will mint tokens for. Invalid tokens
   * then name the first entry by default (see {@link TokenMinter.invalidToken}).
   */
  audience?: string | readonly string[];
  /** Signing algorithm of the first key. Default `'RS256'` (RSA 2048). */
  alg?: TestAlgorithm;
  /** `kid` of the first key. Default: its RFC 7638 JWK thumbprint. */
  kid?: string;
  /**
   * Header `typ` of the tokens; `null` sends none. Default: the profile's
   * (`'at+jwt'` for `generic`, RFC 9068; `'JWT'` for hydra, auth0, entra and
   * keycloak; none for okta and cognito).
   */
  typ?: string | null;
  /** Token lifetime in seconds (`exp` = `iat` + this). Default 300. */
  expiresInSec?: number;
  /**
   * Clock in epoch milliseconds, read at every mint, for tests with fake
   * clocks. Default `Date.now()` (read through the global at each call, so
   * `vi.useFakeTimers()` applies). When given, `verifierOptions` passes it on
   * as the verifier's `now`. Without it, a verifier must be created after
   * `vi.useFakeTimers()`: scopegate captures `Date.now` when the verifier is
   * created, so one created before keeps the real clock.
   */
  now?: () => number;
  /**
   * Shape tokens like this authorization server's (header `typ`, `aud`
   * form, client id claim, `scope` / `scp` / `roles`, machine markers), and
   * set the same `profile` in `verifierOptions`. Default `'generic'` (RFC 9068
   * plus `gty: 'client_credentials'`), which `verifierOptions` then leaves out.
   */
  profile?: TestProfile;
}

/** Names of {@link TestIssuerOptions}, tied to the type by a type test. */
export const TEST_ISSUER_OPTION_NAMES = [
  'issuer',
  'audience',
  'alg',
  'kid',
  'typ',
  'expiresInSec',
  'now',
  'profile',
] as const satisfies readonly (keyof TestIssuerOptions)[];

/** Options of every minting method. */
export interface SignOptions {
  /** Lifetime of this token in seconds; negative gives an expired one. Default: the issuer's `expiresInSec` (300). */
  expiresInSec?: number;
  /** Adds `nbf` = now + this many seconds (negative: in the past). Default: no `nbf`. */
  notBeforeSec?: number;
  /**
   * Protected header parameters to add or override (`typ`, `crit`, …); one
   * set to `undefined` is left out. `alg` is the key's. A `kid` here changes
   * the header only; the `kid` option picks the key. Default: none.
   */
  header?: TokenHeader;
  /** Sign with this key of the issuer (current, or one rotated out). Default: the current key. */
  kid?: string;
  /** Default registered claims to leave out (`'iss'`, `'aud'`, `'iat'`, `'exp'`, `'jti'`); claims given explicitly are still set. Default: none. */
  omit?: readonly DefaultClaimName[];
}

/** Names of {@link SignOptions}, tied to the type by a type test. */
export const SIGN_OPTION_NAMES = [
  'expiresInSec',
  'notBeforeSec',
  'header',
  'kid',
  'omit',
] as const satisfies readonly (keyof SignOptions)[];

/** Options of {@link TokenMinter.userToken}. */
export interface UserTokenOptions extends SignOptions {
  /** The app (OAuth client) the person's token was issued to. Default `'test-app'`. */
  clientId?: string;
}

/** Names of {@link UserTokenOptions}, tied to the type by a type test. */
export const USER_TOKEN_OPTION_NAMES = [
  ...SIGN_OPTION_NAMES,
  'clientId',
] as const satisfies readonly (keyof UserTokenOptions)[];

/** Options of {@link TokenMinter.rotateKeys}. */
export interface RotateKeysOptions {
  /** Keep publishing the earlier keys (tokens they signed still verify). Default `true`; `false` takes them out of `jwks`. */
  keepOld?: boolean;
  /** Algorithm of the new key. Default: the current key's. */
  alg?: TestAlgorithm;
  /** `kid` of the new key. Default: its RFC 7638 JWK thumbprint. */
  kid?: string;
}

/** Names of {@link RotateKeysOptions}, tied to the type by a type test. */
export const ROTATE_KEYS_OPTION_NAMES = [
  'keepOld',
  'alg',
  'kid',
] as const satisfies readonly (keyof RotateKeysOptions)[];

/** Verifier options with the issuer's keys given statically: `createVerifier({ ...idp.verifierOptions })`. */
export interface StaticVerifierOptions {
  /** The issuer scopegate accepts: the `iss` of this issuer's tokens (the `issuer` option, default `'https://issuer.test/'`). */
  readonly issuer: string;
  /**
   * The audience scopegate accepts: the `audience` option (default
   * `'https://api.test'`), which the tokens carry in `aud`; with the cognito
   * profile, the client ids their `client_id` is checked against.
   */
  readonly audience: string | readonly string[];
  /** The published keys when read (build the verifier after `rotateKeys()`: a static key set never changes). */
  readonly jwks: PublicJwkSet;
  /** Present when the issuer was given a `profile`. */
  readonly profile?: TestProfile;
  /**
   * Present when the issuer was given a `now` clock. Without it, scopegate's
   * verifier reads the `Date.now` it captured when created: with vitest fake
   * timers, create the verifier after `vi.useFakeTimers()`, or give the
   * issuer `now: () => Date.now()`.
   */
  readonly now?: () => number;
}

/** Verifier options that fetch the keys from a listening issuer. */
export interface RemoteVerifierOptions {
  /**
   * The issuer scopegate accepts: the `iss` of the listening issuer's tokens,
   * its URL `http://127.0.0.1:<port>/` unless the `issuer` option was given.
   * Without `jwksUri`, scopegate finds the keys through discovery at this URL.
   */
  readonly issuer: string;
  /**
   * The audience scopegate accepts: the `audience` option (default
   * `'https://api.test'`), which the tokens carry in `aud`; with the cognito
   * profile, the client ids their `client_id` is checked against.
   */
  readonly audience: string | readonly string[];
  /** The listening server's JWK Set URL (plain http on 127.0.0.1, which scopegate allows for loopback). */
  readonly jwksUri: string;
  /** Present when the issuer was given a `profile`. */
  readonly profile?: TestProfile;
  /** Present when the issuer was given a `now` clock (see {@link StaticVerifierOptions.now}). */
  readonly now?: () => number;
}

/** Mints tokens. Shared by {@link TestIssuer} and {@link ListeningTestIssuer} (which share their keys). */
export interface TokenMinter {
  /** `iss` of the tokens minted here. */
  readonly issuer: string;
  /** The configured audience (`aud` of the tokens, except with the cognito profile). */
  readonly audience: string | readonly string[];
  /** The token shape. */
  readonly profile: TestProfile;
  /** Algorithm of the current signing key. */
  readonly alg: TestAlgorithm;
  /** `kid` of the current signing key. */
  readonly kid: string;
  /** The published public keys, current first. Public members only (`kty`, `n`/`e` or `crv`/`x`/`y`, `kid`, `alg`, `use`). */
  readonly jwks: PublicJwkSet;
  /**
   * A client_credentials (machine) token that scopegate classifies as
   * `subjectType: 'client'` with this `clientId`. Generic shape: `sub` =
   * `client_id` = `clientId`, `gty: 'client_credentials'`, `scope` (space
   * separated; left out when there are none), `iss`, `aud`, `iat`, `exp`,
   * `jti`; other profiles follow their issuer.
   * @param scopes - granted scopes. Default: none.
   * @param claims - extra or overriding claims; `undefined` values remove a claim. Default: none.
   */
  clientToken(clientId: string, scopes?: Scopes, claims?: Claims, options?: SignOptions): Promise<string>;
  /**
   * A person's token (`subjectType: 'user'`), issued to the app
   * `options.clientId` (default `'test-app'`). Generic shape: `sub` =
   * `subject`, `client_id`, `scope`, no `gty`.
   * @param scopes - granted scopes. Default: none.
   * @param claims - extra or overriding claims; `undefined` values remove a claim. Default: none.
   * @throws TypeError when `subject` would make scopegate see a machine (equal to the client id, ending in `@clients`, or `service-account-…`).
   */
  userToken(subject: string, scopes?: Scopes, claims?: Claims, options?: UserTokenOptions): Promise<string>;
  /**
   * Any claims, signed by the issuer: `iss`, `aud`, `iat`, `exp` and `jti`
   * are filled in unless given or listed in `options.omit`; nothing else is.
   * @param claims - the claims; `undefined` values remove a claim. Default: none.
   */
  sign(claims?: Claims, options?: SignOptions): Promise<string>;
  /**
   * A token scopegate must refuse: a valid client token with exactly one
   * defect (see {@link InvalidTokenKind}); `INVALID_TOKEN_REASONS[kind]` is the
   * `reason` of the `InvalidTokenError` scopegate answers with. The token
   * names the client `options.clientId`, default `'test-client'`; with the
   * cognito profile, the first entry of the audience.
   * @throws TypeError with the cognito profile, when the token's `client_id`
   *   is not in the audience (and it has no `aud`): scopegate would refuse it
   *   for that (reason `aud`) before the defect it was minted with.
   */
  invalidToken(kind: InvalidTokenKind, options?: InvalidTokenOptions): Promise<string>;
  /**
   * Generates a signing key that becomes current (new `kid`). With
   * `keepOld: false` the earlier keys leave `jwks` (they can still sign
   * through `options.kid`, for tokens of a retired key). Affects every object
   * sharing these keys (the issuer and its listening servers). Resolves the new `kid`.
   */
  rotateKeys(options?: RotateKeysOptions): Promise<string>;
}

/** A test issuer in memory; see {@link createTestIssuer}. */
export interface TestIssuer extends TokenMinter {
  /** `{ issuer, audience, jwks }` (plus `profile` / `now` when given) to spread into `createVerifier`, `auth()` or the Fastify plugin. */
  readonly verifierOptions: StaticVerifierOptions;
  /**
   * Serves this issuer's keys and metadata over HTTP on 127.0.0.1 (an
   * ephemeral port) and resolves a {@link ListeningTestIssuer}: the same keys,
   * and, unless the `issuer` option was given, the server's URL as issuer.
   * Mint from the object it returns; this one keeps its own issuer.
   */
  listen(): Promise<ListeningTestIssuer>;
}

/**
 * A test issuer served over HTTP: `GET /.well-known/openid-configuration`,
 * `GET /.well-known/oauth-authorization-server` (both `{ issuer, jwks_uri }`)
 * and `GET /jwks.json` (the keys published at request time); repeated
 * leading slashes count as one (`//jwks.json`), other paths are 404, and a
 * request target that is not a path or `http://host[:port]/path` is 400.
 * Tokens minted here carry {@link issuer}. The server never keeps the process alive.
 */
export interface ListeningTestIssuer extends TokenMinter {
  /** `http://127.0.0.1:<port>/`. Also the issuer, unless the `issuer` option was given. */
  readonly url: string;
  /** `http://127.0.0.1:<port>/jwks.json`. */
  readonly jwksUri: string;
  /**
   * `{ issuer, audience, jwksUri }` (plus `profile` / `now` when given).
   * Leave `jwksUri` out to test discovery (needs the default issuer).
   */
  readonly verifierOptions: RemoteVerifierOptions;
  /** Stops the server (dropping open connections); resolves when closed. Idempotent. */
  close(): Promise<void>;
}

/** Settings shared by an issuer and its listening servers. */
interface IssuerState {
  readonly ring: KeyRing;
  readonly audience: string | readonly string[];
  readonly profile: TestProfile;
  readonly shape: ProfileShape;
  readonly typ: string | undefined;
  readonly expiresInSec: number;
  readonly now: () => number;
  /** Options passed on in `verifierOptions`. */
  readonly verifierExtras: { readonly profile?: TestProfile; readonly now?: () => number };
}

function nowMs(state: IssuerState): number {
  const now = state.now();
  if (typeof now !== 'number' || !Number.isFinite(now)) fail('the `now` clock must return a finite number');
  return now;
}

function headerFor(state: IssuerState, key: SigningKey): Record<string, unknown> & { alg: string } {
  return { alg: key.alg, typ: state.typ, kid: key.kid };
}

function checkSignOptions<T extends SignOptions>(
  options: T | undefined,
  names: readonly string[],
  where: string,
): T {
  checkOptionNames(options, names, where);
  const given = (options ?? {}) as T;
  optionalNumber(given.expiresInSec, 'expiresInSec');
  optionalNumber(given.notBeforeSec, 'notBeforeSec');
  optionalString(given.kid, 'kid');
  if (given.header !== undefined) {
    if (typeof given.header !== 'object' || given.header === null || Array.isArray(given.header))
      fail('`header` must be an object');
    if (Object.hasOwn(given.header, 'alg')) fail("`header` cannot set `alg`: it is the signing key's");
  }
  if (
    given.omit !== undefined &&
    (!Array.isArray(given.omit) ||
      given.omit.some((name) => !(DEFAULT_CLAIM_NAMES as readonly unknown[]).includes(name)))
  )
    fail(`\`omit\` must list claims among ${DEFAULT_CLAIM_NAMES.join(', ')}`);
  return given;
}

async function mint(
  state: IssuerState,
  issuer: string,
  layers: readonly Claims[],
  options: SignOptions,
): Promise<string> {
  const key = options.kid === undefined ? state.ring.current : state.ring.get(options.kid);
  if (key === undefined) fail(`no key of this issuer has kid ${JSON.stringify(options.kid)}`);
  const defaults = defaultClaims({
    issuer,
    audience: state.shape.aud(state.audience),
    nowMs: nowMs(state),
    expiresInSec: options.expiresInSec ?? state.expiresInSec,
    notBeforeSec: options.notBeforeSec,
  });
  for (const name of options.omit ?? []) delete defaults[name];
  const header = { ...headerFor(state, key), ...options.header, alg: key.alg };
  return signJwt(mergeClaims(defaults, ...layers), header, key.privateKey);
}

function checkClaims(claims: Claims | undefined): Claims {
  if (claims === undefined) return {};
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims))
    fail('claims must be an object');
  return claims;
}

function isMachineLooking(subject: string, clientId: string): boolean {
  return subject === clientId || subject.endsWith('@clients') || subject.startsWith('service-account-');
}

const audienceList = (audience: string | readonly string[]): readonly string[] =>
  typeof audience === 'string' ? [audience] : audience;

/**
 * Client of an invalid token when none is given: `'test-client'`, or with
 * the cognito profile the first audience entry (scopegate checks a Cognito
 * token's `client_id` against the audience, before `exp` and `nbf`: a client
 * outside it would be a second defect, and the one refused first).
 */
function defaultInvalidTokenClientId(state: IssuerState): string {
  if (state.profile !== 'cognito') return DEFAULT_INVALID_TOKEN_CLIENT_ID;
  return audienceList(state.audience)[0] ?? DEFAULT_INVALID_TOKEN_CLIENT_ID;
}

/**
 * With the cognito profile, an invalid token without `aud` must name a client
 * of the audience: otherwise it has two defects and scopegate refuses it for
 * its client_id (reason `aud`) instead of the one it was minted with.
 */
function checkCognitoClient(state: IssuerState, clientId: string, claims: Claims): void {
  const base = mergeClaims(state.shape.client(clientId, []), claims);
  if (base.aud !== undefined) return;
  if (typeof base.client_id === 'string' && audienceList(state.audience).includes(base.client_id)) return;
  fail(
    `invalidToken(): with profile 'cognito', scopegate checks client_id against the audience, and ${JSON.stringify(base.client_id)} is not in the audience: the token would be refused for that (reason aud) before its defect; use a client id of the audience (the default is its first entry) or add it to the audience`,
  );
}

/** The minting methods and key getters bound to one `iss`. */
function minter(state: IssuerState, issuer: string): TokenMinter {
  const { ring, shape } = state;
  return {
    issuer,
    audience: state.audience,
    profile: state.profile,
    get alg() {
      return ring.current.alg;
    },
    get kid() {
      return ring.current.kid;
    },
    get jwks() {
      return ring.jwks;
    },
    async clientToken(clientId, scopes, claims, options) {
      requiredString(clientId, 'clientToken(): the client id');
      const given = checkSignOptions(options, SIGN_OPTION_NAMES, 'clientToken()');
      return mint(state, issuer, [shape.client(clientId, scopeList(scopes)), checkClaims(claims)], given);
    },
    async userToken(subject, scopes, claims, options) {
      requiredString(subject, 'userToken(): the subject');
      const given = checkSignOptions(options, USER_TOKEN_OPTION_NAMES, 'userToken()');
      const clientId = optionalString(given.clientId, 'clientId') ?? DEFAULT_USER_CLIENT_ID;
      if (isMachineLooking(subject, clientId))
        fail(
          'userToken(): this subject would make scopegate see a machine (it equals the client id, ends in @clients or starts with service-account-); use clientToken(), or sign() for such an edge case',
        );
      return mint(
        state,
        issuer,
        [shape.user(subject, clientId, scopeList(scopes)), checkClaims(claims)],
        given,
      );
    },
    async sign(claims, options) {
      const given = checkSignOptions(options, SIGN_OPTION_NAMES, 'sign()');
      return mint(state, issuer, [checkClaims(claims)], given);
    },
    async invalidToken(kind, options) {
      if (!INVALID_TOKEN_KINDS.includes(kind))
        fail(
          `invalidToken(): unknown kind ${JSON.stringify(kind)}; use one of ${INVALID_TOKEN_KINDS.join(', ')}`,
        );
      checkOptionNames(options, INVALID_TOKEN_OPTION_NAMES, 'invalidToken()');
      const given = options ?? {};
      const clientId = optionalString(given.clientId, 'clientId') ?? defaultInvalidTokenClientId(state);
      if (state.profile === 'cognito') checkCognitoClient(state, clientId, checkClaims(given.claims));
      const now = nowMs(state);
      return mintInvalidToken(
        kind,
        { ...given, clientId },
        {
          ring,
          nowSec: Math.floor(now / 1000),
          expiresInSec: state.expiresInSec,
          payload: (clientId, scopes, ...layers) =>
            mergeClaims(
              defaultClaims({
                issuer,
                audience: shape.aud(state.audience),
                nowMs: now,
                expiresInSec: state.expiresInSec,
                notBeforeSec: undefined,
              }),
              shape.client(clientId, scopes),
              ...layers.map(checkClaims),
            ),
          header: (key) => headerFor(state, key),
        },
      );
    },
    async rotateKeys(options) {
      checkOptionNames(options, ROTATE_KEYS_OPTION_NAMES, 'rotateKeys()');
      const given = options ?? {};
      const alg = optionalOneOf(given.alg, TEST_ALGORITHMS, 'alg') ?? ring.current.alg;
      const kid = optionalString(given.kid, 'kid');
      const keepOld = optionalBoolean(given.keepOld, 'keepOld') ?? true;
      return (await ring.rotate(alg, kid, keepOld)).kid;
    },
  };
}

/** `minter` plus `extra`, keeping the getters live, frozen. */
function withExtras<T extends object>(base: TokenMinter, extra: T): TokenMinter & T {
  const target = {};
  Object.defineProperties(target, Object.getOwnPropertyDescriptors(base));
  Object.defineProperties(target, Object.getOwnPropertyDescriptors(extra));
  return Object.freeze(target) as TokenMinter & T;
}

/**
 * Creates a test issuer: one fresh signing key (RS256 by default; RSA key
 * generation takes a few hundred milliseconds, so create one issuer per test
 * file, e.g. in `beforeAll`, rather than one per test).
 *
 * For tests only, never in production: the private keys live in this
 * process's memory and every holder of the object can mint any token.
 *
 * ```ts
 * const idp = await createTestIssuer();
 * app.use(auth({ ...idp.verifierOptions }));
 * await request(app).get('/data').set(bearer(await idp.clientToken('nightly-sync', 'data:read'))).expect(200);
 * ```
 *
 * @throws TypeError for an unknown option name or a value of the wrong type,
 *   or `profile: 'cognito'` without `audience`.
 */
export async function createTestIssuer(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  checkOptionNames(options, TEST_ISSUER_OPTION_NAMES, 'createTestIssuer()');
  const explicitIssuer = optionalString(options.issuer, 'issuer');
  const profile = optionalOneOf(options.profile, TEST_PROFILES, 'profile') ?? 'generic';
  const audienceOption = optionalAudience(options.audience, 'audience');
  if (profile === 'cognito' && audienceOption === undefined)
    fail(
      "createTestIssuer(): profile 'cognito' needs `audience`: Cognito access tokens carry no aud, and scopegate checks their client_id against the audience; give the client ids you will mint tokens for",
    );
  const alg = optionalOneOf(options.alg, TEST_ALGORITHMS, 'alg') ?? DEFAULT_ALGORITHM;
  const kid = optionalString(options.kid, 'kid');
  if (options.typ !== undefined && options.typ !== null) optionalString(options.typ, 'typ');
  const expiresInSec = optionalNumber(options.expiresInSec, 'expiresInSec', true) ?? DEFAULT_EXPIRES_IN_SEC;
  if (options.now !== undefined && typeof options.now !== 'function') fail('`now` must be a function');
  const shape = PROFILE_SHAPES[profile];
  const state: IssuerState = {
    ring: new KeyRing(await generateSigningKey(alg, kid)),
    audience: audienceOption ?? DEFAULT_AUDIENCE,
    profile,
    shape,
    typ: options.typ === null ? undefined : (options.typ ?? shape.typ),
    expiresInSec,
    now: options.now ?? (() => Date.now()),
    verifierExtras: {
      ...(options.profile === undefined ? {} : { profile }),
      ...(options.now === undefined ? {} : { now: options.now }),
    },
  };
  const issuer = explicitIssuer ?? DEFAULT_ISSUER;

  const testIssuer = withExtras(minter(state, issuer), {
    get verifierOptions(): StaticVerifierOptions {
      return { issuer, audience: state.audience, jwks: state.ring.jwks, ...state.verifierExtras };
    },
    async listen(): Promise<ListeningTestIssuer> {
      let served = '';
      const server = await startJwksServer({
        metadata: (baseUrl) => ({ issuer: served, jwks_uri: new URL(JWKS_PATH, baseUrl).href }),
        jwks: () => state.ring.jwks,
      });
      served = explicitIssuer ?? server.url;
      const jwksUri = new URL(JWKS_PATH, server.url).href;
      const verifierOptions: RemoteVerifierOptions = Object.freeze({
        issuer: served,
        audience: state.audience,
        jwksUri,
        ...state.verifierExtras,
      });
      const listening = withExtras(minter(state, served), {
        url: server.url,
        jwksUri,
        verifierOptions,
        close: () => server.close(),
      });
      return listening;
    },
  });
  return testIssuer;
}
