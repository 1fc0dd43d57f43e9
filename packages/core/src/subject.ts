/**
 * The contract's generic subject rules: `subjectType`, `clientId` and
 * `scopes` from a verified claims set. Presets that refine them live in
 * `profiles.ts`.
 */
import type { JwtClaims, SubjectType } from './types.js';

/**
 * The granted scopes of a token. Read-only at runtime, not only in its type:
 * a verified token is shared through the token cache, so a handler that
 * changed it would otherwise grant scopes to every later request. The set is
 * held privately (not a `Set` subclass), so `Set.prototype.add.call(scopes, …)`
 * cannot reach it either.
 */
export class ScopeSet implements ReadonlySet<string> {
  readonly #set: Set<string>;

  constructor(scopes: Iterable<string> = []) {
    this.#set = new Set(scopes);
    Object.freeze(this);
  }
  get size(): number {
    return this.#set.size;
  }
  has(scope: string): boolean {
    return this.#set.has(scope);
  }
  forEach(callback: (value: string, key: string, set: ReadonlySet<string>) => void, thisArg?: unknown): void {
    for (const scope of this.#set) callback.call(thisArg, scope, scope, this);
  }
  entries(): SetIterator<[string, string]> {
    return this.#set.entries();
  }
  keys(): SetIterator<string> {
    return this.#set.keys();
  }
  values(): SetIterator<string> {
    return this.#set.values();
  }
  [Symbol.iterator](): SetIterator<string> {
    return this.#set.values();
  }
  /** Serialises as an array (a plain Set would become `{}` in JSON). */
  toJSON(): string[] {
    return [...this.#set];
  }
  get [Symbol.toStringTag](): string {
    return 'ScopeSet';
  }
  /** `console.log(req.auth)` shows the scopes, not an empty object. */
  [Symbol.for('nodejs.util.inspect.custom')](): Set<string> {
    return new Set(this.#set);
  }
}

/**
 * Appends the scopes found in one claim value: a space-separated string
 * (RFC 6749 §3.3 `scope`) or an array of strings (`scp`, `roles`,
 * `permissions`). Anything else is ignored. Empty entries are dropped.
 */
export function collectScopes(target: string[], value: unknown): void {
  if (typeof value === 'string') {
    if (value.indexOf(' ') < 0) {
      if (value.length > 0) target.push(value);
      return;
    }
    // indexOf walk rather than split: no intermediate array per token.
    let start = 0;
    for (let end = value.indexOf(' '); end >= 0; end = value.indexOf(' ', start)) {
      if (end > start) target.push(value.slice(start, end));
      start = end + 1;
    }
    if (start < value.length) target.push(value.slice(start));
  } else if (Array.isArray(value)) {
    for (const scope of value) if (typeof scope === 'string' && scope.length > 0) target.push(scope);
  }
}

/** The value of a claim when it is a non-empty string. */
export function stringClaim(claims: JwtClaims, name: string): string | undefined {
  const value = claims[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** `client_id`, else `azp`, else `cid`: the claims whose equality with `sub` marks a client. */
export function clientIdClaim(claims: JwtClaims): string | undefined {
  return stringClaim(claims, 'client_id') ?? stringClaim(claims, 'azp') ?? stringClaim(claims, 'cid');
}

const CLIENTS_SUFFIX = '@clients';

/** `sub` less a trailing `@clients` (Auth0's client subjects). */
export function stripClientsSuffix(sub: string): string {
  return sub.endsWith(CLIENTS_SUFFIX) ? sub.slice(0, -CLIENTS_SUFFIX.length) : sub;
}

/** Whether `gty` (string or array) names the client credentials grant. */
export function isClientCredentialsGrant(gty: unknown): boolean {
  if (typeof gty === 'string') return gty === 'client_credentials' || gty === 'client-credentials';
  return Array.isArray(gty) && (gty.includes('client_credentials') || gty.includes('client-credentials'));
}

/**
 * Contract rule: `'client'` when `gty` is `client_credentials` or
 * `client-credentials`, or `idtyp` is `app`, or `sub` equals the client id
 * claim (`client_id`, `azp` or `cid`), or `sub` ends with `@clients`;
 * otherwise `'user'`.
 */
export function genericSubjectType(claims: JwtClaims): SubjectType {
  if (isClientCredentialsGrant(claims.gty) || claims.idtyp === 'app') return 'client';
  const sub = claims.sub;
  if (typeof sub !== 'string') return 'user';
  if (sub === clientIdClaim(claims) || sub.endsWith(CLIENTS_SUFFIX)) return 'client';
  return 'user';
}

/**
 * Contract rule: `client_id`, else `azp`, else `cid`, else `appid`; for a
 * client subject without any of them, `sub` less a trailing `@clients`.
 */
export function genericClientId(claims: JwtClaims, subjectType: SubjectType): string | undefined {
  const id = clientIdClaim(claims) ?? stringClaim(claims, 'appid');
  if (id !== undefined || subjectType !== 'client') return id;
  const sub = stringClaim(claims, 'sub');
  return sub === undefined ? undefined : stripClientsSuffix(sub);
}

/** Contract rule: the union of `scope` and `scp` (each a space-separated string or an array). */
export function genericScopes(claims: JwtClaims): ScopeSet {
  const scopes: string[] = [];
  collectScopes(scopes, claims.scope);
  collectScopes(scopes, claims.scp);
  return new ScopeSet(scopes);
}
