import {
  type AuthorizeRequirement,
  ConfigurationError,
  compileRequirement,
  type SubjectType,
} from '@scopegate/core';

/** The route config keys the plugin reads (also merged into Fastify's `FastifyContextConfig`). */
export interface ScopegateRouteConfig {
  /** `false` makes the route public: the plugin does not authenticate it. Default `true`. */
  auth?: boolean;
  /** The token must carry all of these scopes, else 403. Default: none. */
  scopes?: readonly string[];
  /** The token must carry at least one of these scopes, else 403. Default: none. */
  anyScope?: readonly string[];
  /** Only these kinds of subject (`'client'` machines, `'user'` people), else 403. Default: any. */
  subjectType?: SubjectType | readonly SubjectType[];
}

/** What the plugin does for one route, worked out once when the route is added. */
export interface RouteAuth {
  /** Whether the plugin's hook authenticates the route (`config.auth !== false`). */
  readonly authenticate: boolean;
  /** What the token must satisfy beyond being valid; `undefined` when nothing. */
  readonly requirement: AuthorizeRequirement | undefined;
}

const ROUTE_CONFIG_KEYS = Object.freeze([
  'auth',
  'scopes',
  'anyScope',
  'subjectType',
] as const) satisfies readonly (keyof ScopegateRouteConfig)[];

/** Lower case without `_` and `-`: `subject_type`, `SubjectType` and `subjecttype` are one name. */
const normalize = (key: string): string => key.toLowerCase().replace(/[-_]/g, '');

/** Whether `longer` is `shorter` with one character added somewhere. */
function oneMore(longer: string, shorter: string): boolean {
  if (longer.length !== shorter.length + 1) return false;
  let i = 0;
  while (i < shorter.length && longer[i] === shorter[i]) i++;
  return longer.slice(i + 1) === shorter.slice(i);
}

/**
 * The plugin's key a route config key was meant to be, if it is a typo of one: the same name
 * but for case, `_` and `-`, or (except `auth`) one letter more or fewer (`scope`,
 * `anyScopes`, `subjectTypes`). Anything further off, `auth`'s neighbours (`oauth`, `authz`)
 * and other edits (`scores`) are left to the other plugins that share the config.
 */
function meantKey(key: string): string | undefined {
  const given = normalize(key);
  for (const known of ROUTE_CONFIG_KEYS) {
    const name = normalize(known);
    if (given === name) return known;
    if (known !== 'auth' && (oneMore(given, name) || oneMore(name, given))) return known;
  }
  return undefined;
}

/** A typo of one of the plugin's keys would leave the route without the requirement meant for it. */
function checkNearMisses(config: object, route: string): void {
  for (const key of Object.keys(config)) {
    if ((ROUTE_CONFIG_KEYS as readonly string[]).includes(key)) continue;
    const meant = meantKey(key);
    if (meant !== undefined) {
      const shown = JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}…` : key);
      throw new ConfigurationError(
        `route ${route}: config key ${shown} is not a scopegate key; did you mean config.${meant}?`,
      );
    }
  }
}

const PUBLIC_ROUTE: RouteAuth = Object.freeze({ authenticate: false, requirement: undefined });
const ANY_VALID_TOKEN: RouteAuth = Object.freeze({ authenticate: true, requirement: undefined });

/**
 * Reads the scopegate keys of a route config, once, when the route is added.
 * The requirement is validated by core's `compileRequirement` (which also
 * memoises its compiled form for the per-request check); invalid values, and
 * `auth: false` together with a requirement, throw at route registration, so
 * a typo never turns into an unprotected route; so does a key that is a typo
 * of one of the plugin's (`scope` for `scopes`).
 *
 * @param config - the route's `config` (may be undefined).
 * @param route - `METHOD /url`, for error messages.
 * @throws ConfigurationError for invalid values.
 */
export function compileRouteAuth(config: ScopegateRouteConfig | undefined, route: string): RouteAuth {
  if (config === undefined || config === null) return ANY_VALID_TOKEN;
  checkNearMisses(config, route);
  const { auth, scopes, anyScope, subjectType } = config;
  if (auth !== undefined && typeof auth !== 'boolean') {
    throw new ConfigurationError(`route ${route}: config.auth must be a boolean`);
  }
  const requirement: AuthorizeRequirement = {};
  if (scopes !== undefined) requirement.scopes = scopes;
  if (anyScope !== undefined) requirement.anyScope = anyScope;
  if (subjectType !== undefined) requirement.subjectType = subjectType;
  const hasRequirement = Object.keys(requirement).length > 0;
  if (auth === false) {
    if (hasRequirement) {
      throw new ConfigurationError(
        `route ${route}: config.auth: false cannot be combined with scopes, anyScope or subjectType`,
      );
    }
    return PUBLIC_ROUTE;
  }
  if (!hasRequirement) return ANY_VALID_TOKEN;
  Object.freeze(requirement);
  try {
    compileRequirement(requirement);
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/^scopegate: /, '') : String(error);
    throw new ConfigurationError(`route ${route}: invalid scopegate config: ${message}`);
  }
  return Object.freeze({ authenticate: true, requirement });
}
