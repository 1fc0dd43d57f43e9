/**
 * One copy of the values that repeat from token to token.
 *
 * Every token a client gets carries the same `sub`, client id and scope
 * string, and each token's JSON brings fresh copies of them. Held for the
 * token's lifetime in the verified-token cache, those copies (and a scope
 * Set built per token) were most of an entry's memory, and of the work the
 * garbage collector does to keep it. Values from verified tokens are shared
 * instead: strings are equal whichever copy is kept, and a ScopeSet is
 * immutable.
 *
 * Both tables are bounded and start over when full. Only verified tokens
 * reach them, so a forger cannot fill them.
 */
import { collectScopes, ScopeSet } from './subject.js';
import type { JwtClaims } from './types.js';

/** Entries per table before it starts over (the token cache's default size: one client each at most). */
const MAX_SHARED = 10_000;

/** Claim values longer than this are kept as they are (ids are short; a huge one is not worth a slot). */
const MAX_SHARED_LENGTH = 256;

const strings = new Map<string, string>();
const scopeSets = new Map<string, ScopeSet>();

/** The shared copy of `value` (a claim value of a verified token). */
export function sharedString(value: string): string {
  if (value.length > MAX_SHARED_LENGTH) return value;
  const found = strings.get(value);
  if (found !== undefined) return found;
  if (strings.size >= MAX_SHARED) strings.clear();
  strings.set(value, value);
  return value;
}

/** The scopes of a space-separated scope string, as one shared ScopeSet per distinct string. */
export function scopeSetOf(scope: string): ScopeSet {
  const found = scopeSets.get(scope);
  if (found !== undefined) return found;
  const list: string[] = [];
  collectScopes(list, scope);
  const set = new ScopeSet(list);
  if (scope.length <= MAX_SHARED_LENGTH) {
    if (scopeSets.size >= MAX_SHARED) scopeSets.clear();
    scopeSets.set(scope, set);
  }
  return set;
}

/**
 * Swaps the claim values every token of a client repeats (`iss`, a string
 * `aud`, `sub`, the client id claims and a `scope` string) for their shared
 * copies, in place.
 * For a verified token's claims, before they are frozen.
 */
export function shareClaimValues(claims: JwtClaims): void {
  // Still the decoder's own, unfrozen object: writable, whatever its type says.
  const target = claims as Record<string, unknown>;
  const { iss, aud, sub, client_id: clientId, azp, cid, scope } = claims;
  if (typeof iss === 'string') target.iss = sharedString(iss);
  if (typeof aud === 'string') target.aud = sharedString(aud);
  if (typeof sub === 'string') target.sub = sharedString(sub);
  if (typeof clientId === 'string') target.client_id = sharedString(clientId);
  if (typeof azp === 'string') target.azp = sharedString(azp);
  if (typeof cid === 'string') target.cid = sharedString(cid);
  if (typeof scope === 'string') target.scope = sharedString(scope);
}
