import { type AuthorizeRequirement, ConfigurationError, type SubjectType } from '@scopegate/core';

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

const PUBLIC_ROUTE: RouteAuth = Object.freeze({ authenticate: false, requirement: undefined });
const ANY_VALID_TOKEN: RouteAuth = Object.freeze({ authenticate: true, requirement: undefined });

function scopeList(value: unknown, key: string, route: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((scope) => typeof scope === 'string' && scope.length > 0)) {
    throw new ConfigurationError(`route ${route}: config.${key} must be an array of non-empty scope strings`);
  }
  return Object.freeze([...value]);
}

function subjectTypes(value: unknown, route: string): SubjectType | readonly SubjectType[] | undefined {
  if (value === undefined) return undefined;
  const isType = (v: unknown): v is SubjectType => v === 'client' || v === 'user';
  if (isType(value)) return value;
  if (Array.isArray(value) && value.length > 0 && value.every(isType)) return Object.freeze([...value]);
  throw new ConfigurationError(
    `route ${route}: config.subjectType must be 'client', 'user' or a non-empty array of them`,
  );
}

/**
 * Reads the scopegate keys of a route config. Throws at route registration
 * for values that could not be enforced as written (a string where a list is
 * expected, `auth: false` together with a requirement), so a typo never turns
 * into an unprotected route.
 *
 * @param config - the route's `config` (may be undefined).
 * @param route - `METHOD /url`, for error messages.
 * @throws ConfigurationError for invalid values.
 */
export function compileRouteAuth(config: ScopegateRouteConfig | undefined, route: string): RouteAuth {
  if (config === undefined || config === null) return ANY_VALID_TOKEN;
  const { auth } = config;
  if (auth !== undefined && typeof auth !== 'boolean') {
    throw new ConfigurationError(`route ${route}: config.auth must be a boolean`);
  }
  const scopes = scopeList(config.scopes, 'scopes', route);
  const anyScope = scopeList(config.anyScope, 'anyScope', route);
  const subjectType = subjectTypes(config.subjectType, route);
  const hasRequirement = scopes !== undefined || anyScope !== undefined || subjectType !== undefined;
  if (auth === false) {
    if (hasRequirement) {
      throw new ConfigurationError(
        `route ${route}: config.auth: false cannot be combined with scopes, anyScope or subjectType`,
      );
    }
    return PUBLIC_ROUTE;
  }
  if (!hasRequirement) return ANY_VALID_TOKEN;
  const requirement: AuthorizeRequirement = {};
  if (scopes !== undefined) requirement.scopes = scopes;
  if (anyScope !== undefined) requirement.anyScope = anyScope;
  if (subjectType !== undefined) requirement.subjectType = subjectType;
  return Object.freeze({ authenticate: true, requirement: Object.freeze(requirement) });
}
