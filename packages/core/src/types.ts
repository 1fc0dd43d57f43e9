/**
 * Public types of @scopegate/core. Implementation modules import from here so
 * that the adapters (express, fastify) and stores (redis) share one vocabulary.
 */
import type { ErrorBody, ScopegateError } from './errors.js';
import type { KeySource } from './keys/key-source.js';

/** A JWT claims set as decoded (JSON object). */
export type JwtClaims = { readonly [claim: string]: unknown };

/** A JOSE protected header as decoded (JSON object). */
export interface JwtHeader {
  readonly alg: string;
  readonly kid?: string;
  readonly typ?: string;
  readonly crit?: readonly string[];
  readonly [parameter: string]: unknown;
}

/** Machine (client_credentials) or person. */
export type SubjectType = 'client' | 'user';

/** What a successful verification yields (`req.auth` / `request.auth`). */
export interface VerifiedToken {
  /** The raw JWT. */
  readonly token: string;
  /** Protected header. */
  readonly header: JwtHeader;
  /** The whole payload. */
  readonly claims: JwtClaims;
  /** `iss`. */
  readonly issuer: string;
  /** `sub` (empty string when the issuer sent none and the profile allows it, e.g. never for `generic`). */
  readonly subject: string;
  /** `'client'` for machine subjects, `'user'` for people. */
  readonly subjectType: SubjectType;
  /** The OAuth client: `client_id`, else `azp`, else `cid`, else `appid`; for a client subject without any, `sub` less `@clients`. */
  readonly clientId: string | undefined;
  /** Granted scopes: union of `scope` and `scp` (and, per profile, e.g. Entra `roles`). */
  readonly scopes: ReadonlySet<string>;
  /** `exp`, epoch seconds. */
  readonly expiresAt: number;
}

/** Built-in issuer presets; see the core README for each preset's rules. */
export type ProfileName = 'generic' | 'hydra' | 'auth0' | 'okta' | 'entra' | 'keycloak' | 'cognito';

/** Allowed JWS algorithms. */
export type JwsAlgorithm =
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA'
  | 'Ed25519'
  | 'HS256'
  | 'HS384'
  | 'HS512';

/**
 * A JSON Web Key as found in a JWK Set. The members every key has are typed;
 * the rest (`n`, `e`, `crv`, `x`, `y`, `ext`, `d`, `priv`…) are read as
 * `unknown` and checked before use, as a fetched set may hold anything.
 */
export interface Jwk {
  readonly kty: string;
  readonly kid?: string;
  readonly use?: string;
  readonly alg?: string;
  readonly key_ops?: readonly string[];
  readonly [member: string]: unknown;
}

/** A JSON Web Key Set. */
export interface JwkSet {
  readonly keys: readonly Jwk[];
}

/** Events reported through {@link VerifierOptions.onEvent}; never contain tokens, keys or secrets. */
export type ScopegateEvent =
  | { type: 'jwks_fetch'; uri: string; keys: number; durationMs: number }
  | { type: 'jwks_fetch_failed'; uri: string; error: string; stale: boolean }
  | { type: 'jwks_stale'; uri: string; ageMs: number }
  | { type: 'jwks_refetch_unknown_kid'; uri: string }
  | { type: 'discovery'; issuer: string; jwksUri: string }
  | { type: 'discovery_failed'; issuer: string; error: string }
  | { type: 'rate_limit_metadata_failed'; clientId: string; error: string }
  | { type: 'rate_limit_store_failed'; error: string }
  | { type: 'rate_limit_store_recovered' }
  | { type: 'misconfigured'; error: string };

/** Receives {@link ScopegateEvent}s. Must not throw (exceptions are swallowed). */
export type EventHandler = (event: ScopegateEvent) => void;

/** Options of `createVerifier`. */
export interface VerifierOptions {
  /** Accepted issuer(s); `iss` must equal one exactly. Required. */
  issuer: string | readonly string[];
  /** Accepted audience(s); `aud` (string or array) must contain one. Required. */
  audience: string | readonly string[];
  /** JWKS endpoint. Default: discovered from each issuer (a token is checked only with its own issuer's keys). Given with several issuers, this one key set is trusted for all. Mutually exclusive with `jwks` and `secret`. */
  jwksUri?: string;
  /** Static JWK Set: no network at all. Public keys only: a key with its private part (`d`) is a ConfigurationError. */
  jwks?: JwkSet;
  /** Shared secret for HS256/384/512. Only HS* algorithms are then allowed (unless `algorithms` says otherwise). */
  secret?: string | Uint8Array;
  /** Algorithm allow-list. Default: RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA (HS256/384/512 with `secret`). `none` is never accepted. */
  algorithms?: readonly JwsAlgorithm[];
  /** Leeway in seconds for `exp`, `nbf`, `iat`. Default 5. */
  clockToleranceSec?: number;
  /** Required header `typ`, compared case-insensitively with an optional `application/` prefix (e.g. `'at+jwt'`, RFC 9068). Default: not checked. */
  typ?: string;
  /** Reject tokens whose `iat` is older than this many seconds (requires `iat`). Default: not checked. */
  maxTokenAgeSec?: number;
  /** Claims that must be present (names), or present with an exact value (object). Default: none. */
  requiredClaims?: readonly string[] | { readonly [claim: string]: string | number | boolean };
  /** Longest accepted token in bytes, checked before parsing. Default 8192. */
  maxTokenLength?: number;
  /** Issuer preset for subject type, client id and scopes. Default `'generic'`. */
  profile?: ProfileName;
  /** Default scope matching for requirements given as plain lists: `'exact'` (default) or `'wildcard'` (`data:*` satisfies `data:read`). */
  scopeMatch?: 'exact' | 'wildcard';
  /** Realm in `WWW-Authenticate`. Default `"api"`. */
  realm?: string;
  /** Allow `http:` JWKS / discovery URLs on non-loopback hosts. Default false. */
  allowInsecureHttp?: boolean;
  /** JWKS cache tuning. */
  jwksCache?: JwksCacheOptions;
  /** Verified-token cache: entries (default 10 000), or `false` to disable. */
  tokenCache?: { maxEntries?: number } | false;
  /** Receives operational events (JWKS fetches, staleness, failures). Default: none. */
  onEvent?: EventHandler;
  /**
   * A custom key source (advanced: several issuers, keys from a vault, tests).
   * Mutually exclusive with `jwksUri`, `jwks` and `secret`; give `algorithms`
   * explicitly when it serves HS keys. Default: built from `jwksUri` / `jwks` / `secret` / discovery.
   */
  keySource?: KeySource;
  /** Clock in milliseconds, for tests. Default `Date.now`. */
  now?: () => number;
  /** `fetch` implementation. Default: global `fetch`. */
  fetch?: typeof fetch;
}

/** JWKS cache tuning (all durations in milliseconds). */
export interface JwksCacheOptions {
  /** Refresh keys after this age (a `Cache-Control: max-age` between `minMaxAgeMs` and `maxMaxAgeMs` overrides it). Default 600 000 (10 min). */
  maxAgeMs?: number;
  /** Lower bound for a server-sent max-age. Default 60 000. */
  minMaxAgeMs?: number;
  /** Upper bound for a server-sent max-age. Default 86 400 000 (24 h). */
  maxMaxAgeMs?: number;
  /** At most one refetch for an unknown `kid` per this period. Default 30 000. */
  cooldownMs?: number;
  /** Keep serving the last good keys this long after refreshes start failing. Default 86 400 000 (24 h). */
  staleIfErrorMs?: number;
  /** Abort a JWKS or discovery request after this long. Default 5 000. */
  timeoutMs?: number;
  /** Largest accepted JWKS / discovery response in bytes. Default 1 048 576 (1 MiB). */
  maxResponseBytes?: number;
  /** Most keys kept from one JWK Set. Default 100. */
  maxKeys?: number;
  /** After a failed JWKS / discovery fetch, no new fetch for this long; lookups without usable keys answer 503 at once meanwhile. Default 5 000. */
  failureBackoffMs?: number;
}

/** A scope requirement, built with `allOf` / `anyOf` (or given as a plain list = all of). */
export interface ScopeRequirement {
  readonly mode: 'all' | 'any';
  readonly scopes: readonly string[];
  /** `exact` (default) or `wildcard` (granted `data:*` satisfies `data:read`, as in Ory). */
  readonly match: 'exact' | 'wildcard';
}

/** What `authorize` checks beyond a valid token. */
export interface AuthorizeRequirement {
  /** All of these scopes (list) or a prepared {@link ScopeRequirement}. */
  scopes?: readonly string[] | ScopeRequirement;
  /** At least one of these scopes. */
  anyScope?: readonly string[];
  /** Only these subject types. */
  subjectType?: SubjectType | readonly SubjectType[];
}

/** A refusal as an HTTP answer: what `authorize` and the adapters' guard return instead of throwing. */
export interface Denial {
  readonly ok: false;
  readonly status: number;
  /** `www-authenticate` or `retry-after` as the contract says (lower-case names), plus rate-limit headers when counted. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: ErrorBody;
  readonly error: ScopegateError;
}

/** `authorize` outcome. Never throws for client mistakes. */
export type AuthorizeDecision = { readonly ok: true; readonly auth: VerifiedToken } | Denial;

/** A configured verifier. */
export interface Verifier {
  /** Verifies a compact JWS; resolves the {@link VerifiedToken} or rejects with a `ScopegateError`. */
  verify(token: string): Promise<VerifiedToken>;
  /** Parses an `Authorization` header value, verifies and checks the requirement. Never throws for client mistakes. */
  authorize(
    authorization: string | readonly string[] | undefined | null,
    requirement?: AuthorizeRequirement,
  ): Promise<AuthorizeDecision>;
  /** Loads keys now (discovery + JWKS) so the first request does not wait. Rejects if they cannot be had. */
  warmup(): Promise<void>;
  /** The realm used in `WWW-Authenticate`. */
  readonly realm: string;
  /** Default scope matching (`VerifierOptions.scopeMatch`), so guards built on this verifier match the same way. */
  readonly scopeMatch?: 'exact' | 'wildcard';
}

/** What `createVerifier` returns: a {@link Verifier} that can also verify without a promise. */
export interface SyncVerifier extends Verifier {
  /**
   * Verifies a compact JWS synchronously, for gateways and other code that
   * cannot await: the same checks, errors and token cache as `verify()`.
   * The signing keys must already be loaded (call `warmup()` at start-up).
   * When a key would first have to be fetched or imported (before the first
   * load, or for a `kid` not seen yet), that work starts in the background and
   * this call throws `TemporarilyUnavailableError` (503, reason
   * `keys_not_loaded`); a later call gets the answer. So an unknown `kid` gets
   * that 503 whenever a refetch is allowed, and a custom key source that
   * always returns a promise always does: use `verify()` there.
   *
   * @throws ScopegateError for every rejection (never anything else).
   */
  verifySync(token: string): VerifiedToken;
}

// ---------------------------------------------------------------- rate limits

/** Client metadata as an authorization server stores it (Ory Hydra's `metadata`). */
export interface ClientMetadata {
  readonly rate_limit_per_minute?: number;
  readonly [key: string]: unknown;
}

/** Where per-client metadata comes from. */
export type ClientMetadataSource =
  | { readonly [clientId: string]: ClientMetadata | undefined }
  | ((
      clientId: string,
      auth: VerifiedToken,
    ) => ClientMetadata | undefined | Promise<ClientMetadata | undefined>);

/** Result of one atomic `consume` in a {@link RateLimitStore}. */
export interface RateLimitResult {
  /** Whether this request was admitted (and counted). */
  readonly allowed: boolean;
  /** The limit applied (requests per 60 s). */
  readonly limit: number;
  /** Requests still admissible in the current window after this one. */
  readonly remaining: number;
  /** Seconds until quota is available again (when rejected: the `Retry-After`). Whole seconds, >= 0. */
  readonly resetSeconds: number;
}

/**
 * Storage of rate-limit state. Asynchronous and atomic per key: a `consume`
 * for one key must see every earlier `consume` for that key, so a shared
 * store (Redis) gives the same guarantee as the in-memory one.
 */
export interface RateLimitStore {
  /** Counts one request for `key` against `limit` per `windowSeconds` if admissible. */
  consume(key: string, limit: number, windowSeconds: number): Promise<RateLimitResult>;
  /** Releases resources (timers, connections). Optional. */
  close?(): Promise<void> | void;
}

/** The `rateLimit` option of both adapters. */
export interface RateLimitOptions {
  /** Where `rate_limit_per_minute` comes from, by client id. Default: none (then only `defaultPerMinute` applies). */
  clientMetadata?: ClientMetadataSource;
  /**
   * Longest wait, in milliseconds, for an asynchronous `clientMetadata` lookup; after it the
   * failure is reported (`rate_limit_metadata_failed`) and the client gets `defaultPerMinute`.
   * A positive integer up to 2^31−1. Default 5000. A `hydraAdminMetadata()` source, which
   * bounds its own lookups, is waited for at least its `timeoutMs` plus 250 ms.
   */
  metadataTimeoutMs?: number;
  /** Limit for clients without metadata. Default: no limit. */
  defaultPerMinute?: number;
  /** `'clients'` (default): only `subjectType: 'client'`; `'all'`: users too (keyed by subject). */
  appliesTo?: 'clients' | 'all';
  /** Shared state. Default: in-memory, bounded to 100 000 clients. */
  store?: RateLimitStore;
  /** Policy name in the `RateLimit-Policy` / `RateLimit` headers. Default `"client"`. */
  policyName?: string;
  /** Receives metadata/store failures. Default: the verifier's `onEvent`, if any. */
  onEvent?: EventHandler;
}
