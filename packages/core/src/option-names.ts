/**
 * The option names each public factory accepts, and the check that refuses
 * any other. A misspelt option (`clockTolerance`, `jwksURI`, `scope` for
 * `scopes`) would otherwise be ignored and its default applied, silently: for
 * a security control that is the wrong way to fail. Each list is tied to its
 * TypeScript type (`satisfies` forbids extra names; test/types.test.ts
 * forbids missing ones), so the two cannot drift apart.
 */
import { ConfigurationError } from './errors.js';
import type { GuardOptions } from './guard.js';
import type { JwksCacheConfig } from './keys/jwks-cache.js';
import type { RemoteKeySourceOptions } from './keys/remote-key-source.js';
import type { ClaimMetadataOptions } from './rate-limit/claim-metadata.js';
import type { HydraAdminMetadataOptions } from './rate-limit/hydra-admin.js';
import type { MemoryStoreOptions } from './rate-limit/memory-store.js';
import type { AuthorizeRequirement, JwksCacheOptions, RateLimitOptions, VerifierOptions } from './types.js';

/** Option names of `createVerifier`. */
export const VERIFIER_OPTION_NAMES = Object.freeze([
  'issuer',
  'audience',
  'jwksUri',
  'jwks',
  'secret',
  'algorithms',
  'clockToleranceSec',
  'typ',
  'maxTokenAgeSec',
  'requiredClaims',
  'maxTokenLength',
  'profile',
  'scopeMatch',
  'realm',
  'allowInsecureHttp',
  'jwksCache',
  'tokenCache',
  'onEvent',
  'keySource',
  'now',
  'fetch',
] as const) satisfies readonly (keyof VerifierOptions)[];

/** Option names of the verifier's `jwksCache` (and a remote key source's `cache`). */
export const JWKS_CACHE_OPTION_NAMES = Object.freeze([
  'maxAgeMs',
  'minMaxAgeMs',
  'maxMaxAgeMs',
  'cooldownMs',
  'staleIfErrorMs',
  'timeoutMs',
  'maxResponseBytes',
  'maxKeys',
  'failureBackoffMs',
] as const) satisfies readonly (keyof JwksCacheOptions)[];

/** Option names of the `JwksCache` constructor. */
export const JWKS_CACHE_CONFIG_NAMES = Object.freeze([
  ...JWKS_CACHE_OPTION_NAMES,
  'jwksUri',
  'allowInsecureHttp',
  'fetch',
  'now',
  'onEvent',
] as const) satisfies readonly (keyof JwksCacheConfig)[];

/** Option names of the verifier's `tokenCache` object. */
export const TOKEN_CACHE_OPTION_NAMES = Object.freeze([
  'maxEntries',
] as const) satisfies readonly (keyof Exclude<VerifierOptions['tokenCache'], false | undefined>)[];

/** Option names of `createRateLimiter` (the adapters' `rateLimit` option). */
export const RATE_LIMIT_OPTION_NAMES = Object.freeze([
  'clientMetadata',
  'metadataTimeoutMs',
  'defaultPerMinute',
  'appliesTo',
  'store',
  'policyName',
  'onEvent',
] as const) satisfies readonly (keyof RateLimitOptions)[];

/** Option names of `hydraAdminMetadata`. */
export const HYDRA_ADMIN_OPTION_NAMES = Object.freeze([
  'adminUrl',
  'ttlMs',
  'negativeTtlMs',
  'errorTtlMs',
  'timeoutMs',
  'maxEntries',
  'onUnavailable',
  'headers',
  'fetch',
  'onEvent',
  'now',
] as const) satisfies readonly (keyof HydraAdminMetadataOptions)[];

/** Option names of `claimMetadata`. */
export const CLAIM_METADATA_OPTION_NAMES = Object.freeze([
  'claim',
] as const) satisfies readonly (keyof ClaimMetadataOptions)[];

/** Option names of `createMemoryStore`. */
export const MEMORY_STORE_OPTION_NAMES = Object.freeze([
  'maxClients',
  'now',
] as const) satisfies readonly (keyof MemoryStoreOptions)[];

/** Option names of `createRemoteKeySource`. */
export const REMOTE_KEY_SOURCE_OPTION_NAMES = Object.freeze([
  'issuer',
  'jwksUri',
  'cache',
  'allowInsecureHttp',
  'fetch',
  'now',
  'onEvent',
] as const) satisfies readonly (keyof RemoteKeySourceOptions)[];

/** Option names of `createGuard`. */
export const GUARD_OPTION_NAMES = Object.freeze([
  'verifier',
  'rateLimit',
  'scopeMatch',
  'onEvent',
] as const) satisfies readonly (keyof GuardOptions)[];

/** Keys of a requirement (`authorize`, `checkRequirement`, the guard). */
export const REQUIREMENT_NAMES = Object.freeze([
  'scopes',
  'anyScope',
  'subjectType',
] as const) satisfies readonly (keyof AuthorizeRequirement)[];

/** At most this many unknown names are listed; a key is shown escaped and cut at this length. */
const MAX_LISTED = 5;
const MAX_SHOWN_LENGTH = 64;

// Besides what JSON escapes: line and paragraph separators and bidirectional controls.
const INVISIBLE = /[\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** A key as a message shows it: cut if long, then control characters escaped (no log injection). */
function show(key: string): string {
  const cut = key.length > MAX_SHOWN_LENGTH ? `${key.slice(0, MAX_SHOWN_LENGTH)}…` : key;
  return JSON.stringify(cut)
    .slice(1, -1)
    .replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Optimal string alignment distance, giving up (`cap + 1`) once it must exceed `cap`. */
function distance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowBest = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, (before[j - 2] as number) + 1);
      current.push(d);
      rowBest = Math.min(rowBest, d);
    }
    if (rowBest > cap) return cap + 1;
    before = previous;
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * The known name an unknown one most likely meant (what {@link checkOptionNames} suggests):
 * equal but for case, at most two edits away (not so short that two edits make anything look
 * alike: `foo` is not `now`), or a known name with a unit or suffix dropped or added
 * (`clockTolerance`, `maxAge`). `undefined` if none.
 */
export function suggestOptionName(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = distance(lower, candidate.toLowerCase(), 2);
    if (d < bestDistance && d * 3 <= Math.max(name.length, candidate.length)) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best === undefined && lower.length >= 3)
    best = known.find((c) => {
      const k = c.toLowerCase();
      return k.length >= 3 && (k.startsWith(lower) || lower.startsWith(k));
    });
  return best;
}

/**
 * Throws `ConfigurationError` when `options` has an own enumerable string key
 * that is not in `known` (whatever its value, `undefined` included), naming
 * each such key (never its value) and the name likely meant. Called once per
 * options object, at setup.
 *
 * @param options - the options object as given (not yet defaulted).
 * @param known - the accepted names.
 * @param where - what the options belong to, for the message (e.g. `createVerifier()`).
 * @throws ConfigurationError, e.g. "scopegate: createVerifier(): unknown option `audiance`
 *   (did you mean `audience`?); accepted: issuer, audience, ...".
 */
export function checkOptionNames(options: object, known: readonly string[], where: string): void {
  const unknown = Object.keys(options).filter((key) => !known.includes(key));
  if (unknown.length === 0) return;
  const described = unknown.slice(0, MAX_LISTED).map((key) => {
    const suggestion = suggestOptionName(key, known);
    return suggestion === undefined
      ? `\`${show(key)}\``
      : `\`${show(key)}\` (did you mean \`${suggestion}\`?)`;
  });
  const more = unknown.length > MAX_LISTED ? ` and ${unknown.length - MAX_LISTED} more` : '';
  throw new ConfigurationError(
    `scopegate: ${where}: unknown option${unknown.length > 1 ? 's' : ''} ${described.join(', ')}${more}; accepted: ${known.join(', ')}`,
  );
}
