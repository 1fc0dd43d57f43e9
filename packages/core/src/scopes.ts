/**
 * Scope requirements as reusable values (`allOf`, `anyOf`,
 * `scopeRequirement`) and the check `authorize` and the adapters run after a
 * token is verified. Requirements are validated and compiled once; checking
 * one per request does no parsing.
 *
 * Matching:
 * - `exact` (default): a required scope is satisfied only by the same granted string.
 * - `wildcard` (after Ory's wildcard strategy): scopes are split into segments
 *   at `.`, `:` and `/` (the separators must be the same). A granted segment
 *   that is exactly `*` matches any one non-empty required segment; a granted
 *   scope ending in a `*` segment also matches any longer tail. So granted
 *   `data:*` satisfies `data:read` and `data:read:all` but not `data`; granted
 *   `data:*:read` satisfies `data:x:read`. A `*` inside a segment (`da*`) is
 *   literal, and a granted scope that is only `*` matches nothing but `*`
 *   (unlike Ory, a bare `*` never grants everything).
 */
import { ConfigurationError, InsufficientScopeError, SubjectTypeNotAllowedError } from './errors.js';
import { checkOptionNames, REQUIREMENT_NAMES } from './option-names.js';
import type { AuthorizeRequirement, ScopeRequirement, SubjectType, VerifiedToken } from './types.js';

/** Scope matching strategy. */
export type ScopeMatch = 'exact' | 'wildcard';

// Marks requirements whose `match` was not chosen explicitly (allOf/anyOf), so
// a verifier's `scopeMatch` default applies to them.
const DEFAULT_MATCH: unique symbol = Symbol('scopegate.defaultMatch');

type Marked = ScopeRequirement & { readonly [DEFAULT_MATCH]?: true };

const SEPARATOR = /([.:/])/;

function validScopes(scopes: readonly unknown[], what: string): string[] {
  if (!Array.isArray(scopes)) throw new ConfigurationError(`scopegate: ${what} must be an array of scopes`);
  for (const scope of scopes) {
    if (typeof scope !== 'string' || scope.length === 0 || /\s/.test(scope))
      throw new ConfigurationError(`scopegate: ${what} must be non-empty scope strings without spaces`);
  }
  return [...(scopes as string[])];
}

function build(
  mode: 'all' | 'any',
  scopes: readonly string[],
  match: ScopeMatch | undefined,
): ScopeRequirement {
  const list = validScopes(scopes, mode === 'all' ? 'allOf scopes' : 'anyOf scopes');
  if (mode === 'any' && list.length === 0)
    throw new ConfigurationError('scopegate: anyOf needs at least one scope (none could ever match)');
  if (match !== undefined && match !== 'exact' && match !== 'wildcard')
    throw new ConfigurationError("scopegate: scope match must be 'exact' or 'wildcard'");
  const requirement: Marked = { mode, scopes: Object.freeze(list), match: match ?? 'exact' };
  if (match === undefined) Object.defineProperty(requirement, DEFAULT_MATCH, { value: true });
  return Object.freeze(requirement);
}

/**
 * Every listed scope is required. With no scopes, any valid token passes.
 * Matching is the verifier's `scopeMatch` (default `exact`).
 */
export function allOf(...scopes: string[]): ScopeRequirement {
  return build('all', scopes, undefined);
}

/**
 * At least one listed scope is required (at least one must be given).
 * Matching is the verifier's `scopeMatch` (default `exact`).
 */
export function anyOf(...scopes: string[]): ScopeRequirement {
  return build('any', scopes, undefined);
}

/**
 * A requirement with an explicit matching strategy.
 * @param options.mode - `'all'` (default) or `'any'`.
 * @param options.scopes - the scopes.
 * @param options.match - `'exact'` or `'wildcard'`; default: the verifier's `scopeMatch` (itself default `exact`).
 */
export function scopeRequirement(options: {
  mode?: 'all' | 'any';
  scopes: readonly string[];
  match?: ScopeMatch;
}): ScopeRequirement {
  const mode = options.mode ?? 'all';
  if (mode !== 'all' && mode !== 'any')
    throw new ConfigurationError("scopegate: mode must be 'all' or 'any'");
  return build(mode, options.scopes, options.match);
}

// ----------------------------------------------------------------- matching

function wildcardGranted(granted: string, required: string): boolean {
  const g = granted.split(SEPARATOR);
  const r = required.split(SEPARATOR);
  // Segments at even indexes, separators at odd ones.
  const last = g.length - 1;
  if (last === 0) return granted === required;
  for (let i = 0; i <= last; i++) {
    const gi = g[i] as string;
    const ri = r[i];
    if (ri === undefined) return false;
    if (i % 2 === 1) {
      if (gi !== ri) return false;
    } else if (gi === '*') {
      if (ri.length === 0) return false;
      if (i === last) return true;
    } else if (gi !== ri) return false;
  }
  return g.length === r.length;
}

function satisfied(granted: ReadonlySet<string>, required: string, match: ScopeMatch): boolean {
  if (granted.has(required)) return true;
  if (match === 'exact') return false;
  for (const scope of granted) {
    if (scope.includes('*') && wildcardGranted(scope, required)) return true;
  }
  return false;
}

/**
 * Whether `granted` satisfies `requirement` (no throwing). Uses the
 * requirement's own `match`.
 */
export function scopesSatisfy(granted: ReadonlySet<string>, requirement: ScopeRequirement): boolean {
  // Indexed loops: this runs per request, and for-of would allocate an iterator each time.
  const scopes = requirement.scopes;
  const match = requirement.match;
  if (requirement.mode === 'all') {
    for (let i = 0; i < scopes.length; i++) if (!satisfied(granted, scopes[i] as string, match)) return false;
    return true;
  }
  for (let i = 0; i < scopes.length; i++) if (satisfied(granted, scopes[i] as string, match)) return true;
  return false;
}

// -------------------------------------------------------------- requirements

interface CompiledRequirement {
  readonly subjectTypes: readonly SubjectType[] | undefined;
  readonly checks: readonly ScopeRequirement[];
}

const compiledByMatch: Record<ScopeMatch, WeakMap<object, CompiledRequirement>> = {
  exact: new WeakMap(),
  wildcard: new WeakMap(),
};

function asRequirement(
  value: readonly string[] | ScopeRequirement,
  mode: 'all' | 'any',
  defaultMatch: ScopeMatch,
): ScopeRequirement {
  if (Array.isArray(value)) return build(mode, value as readonly string[], defaultMatch);
  const given = value as Marked;
  if (typeof given !== 'object' || given === null || (given.mode !== 'all' && given.mode !== 'any'))
    throw new ConfigurationError(
      'scopegate: a scope requirement must be a list of scopes or built with allOf/anyOf',
    );
  return build(given.mode, given.scopes, given[DEFAULT_MATCH] === true ? defaultMatch : given.match);
}

/** Whether a requirement is a prepared {@link ScopeRequirement} itself: `mode`, `scopes`, maybe `match`, nothing else. */
function isWholeScopeRequirement(requirement: object): boolean {
  if (!Object.hasOwn(requirement, 'mode')) return false;
  return Object.keys(requirement).every((key) => key === 'mode' || key === 'scopes' || key === 'match');
}

/**
 * Validates and compiles an {@link AuthorizeRequirement}, or an `allOf()` /
 * `anyOf()` passed in its place (as `{ scopes: thatRequirement }`). Compiled results
 * are memoised per requirement object, so passing the same object on every
 * request costs one WeakMap lookup.
 * @throws ConfigurationError for an invalid requirement.
 */
export function compileRequirement(
  requirement: AuthorizeRequirement,
  defaultMatch: ScopeMatch = 'exact',
): CompiledRequirement {
  const cache = compiledByMatch[defaultMatch] ?? compiledByMatch.exact;
  const cached = cache.get(requirement);
  if (cached !== undefined) return cached;
  if (typeof requirement !== 'object' || requirement === null)
    throw new ConfigurationError('scopegate: the requirement must be an object');
  // An allOf()/anyOf() passed as the whole requirement (its type allows that) means what it says.
  const given: AuthorizeRequirement = isWholeScopeRequirement(requirement)
    ? { scopes: requirement as unknown as ScopeRequirement }
    : requirement;
  // A misspelt key (`scope`) would otherwise leave the route open to any valid token.
  checkOptionNames(given, REQUIREMENT_NAMES, 'requirement');
  const checks: ScopeRequirement[] = [];
  if (given.scopes !== undefined) checks.push(asRequirement(given.scopes, 'all', defaultMatch));
  if (given.anyScope !== undefined) checks.push(asRequirement(given.anyScope, 'any', defaultMatch));
  let subjectTypes: SubjectType[] | undefined;
  if (given.subjectType !== undefined) {
    const list = typeof given.subjectType === 'string' ? [given.subjectType] : given.subjectType;
    if (
      !Array.isArray(list) ||
      list.length === 0 ||
      list.some((type) => type !== 'client' && type !== 'user')
    )
      throw new ConfigurationError("scopegate: subjectType must be 'client', 'user' or a list of them");
    subjectTypes = [...list];
  }
  const compiled: CompiledRequirement = Object.freeze({ subjectTypes, checks });
  cache.set(requirement, compiled);
  return compiled;
}

/**
 * Checks a verified token against a requirement: subject type first, then
 * each scope requirement.
 *
 * @param auth - the verified token.
 * @param requirement - scopes (all of), `anyScope`, `subjectType`.
 * @param defaultMatch - matching for plain lists and `allOf`/`anyOf` values; default `'exact'`.
 * @throws SubjectTypeNotAllowedError (403) or InsufficientScopeError (403,
 *   carrying the required scopes and mode); ConfigurationError for an invalid requirement.
 */
export function checkRequirement(
  auth: VerifiedToken,
  requirement: AuthorizeRequirement,
  defaultMatch: ScopeMatch = 'exact',
): void {
  const compiled = compileRequirement(requirement, defaultMatch);
  if (compiled.subjectTypes !== undefined && !compiled.subjectTypes.includes(auth.subjectType))
    throw new SubjectTypeNotAllowedError(compiled.subjectTypes);
  const checks = compiled.checks;
  for (let i = 0; i < checks.length; i++) {
    const check = checks[i] as ScopeRequirement;
    if (!scopesSatisfy(auth.scopes, check)) throw new InsufficientScopeError(check.scopes, check.mode);
  }
}
