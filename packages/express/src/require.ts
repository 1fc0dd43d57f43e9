/**
 * `requireScopes`, `requireAnyScope`, `requireSubjectType`: per-route checks
 * on the token that `auth()` verified, or, where no `auth()` ran, on a token
 * they verify themselves with the environment-configured verifier.
 */
import {
  type AuthorizeRequirement,
  type ScopegateError,
  type ScopeRequirement,
  type SubjectType,
  toErrorResponse,
  UnauthorizedError,
} from '@scopegate/core';
import type { RequestHandler } from 'express';
import { environmentGuard } from './env-guard.js';
import { guardInput } from './guard-input.js';
import { type GuardFailure, reject, setHeaders } from './respond.js';
import { getAuthState, setAuthState } from './state.js';
import { whenReady } from './when-ready.js';

/**
 * Requires every listed scope (else 403 `insufficient_scope` with
 * `scope="<required>"`). Also accepts one prepared requirement from core's
 * `allOf` / `anyOf` (e.g. with `match: 'wildcard'`). Plain lists use the
 * verifier's `scopeMatch` (default `'exact'`).
 *
 * Without a preceding `auth()`, authenticates the request from the
 * environment (see the README); unconfigured, it answers 500 "server
 * misconfigured" and never lets the request through.
 *
 * @throws TypeError at setup when no scope, or an empty / non-string scope, is given.
 */
export function requireScopes(...scopes: readonly string[]): RequestHandler;
export function requireScopes(requirement: ScopeRequirement): RequestHandler;
export function requireScopes(...args: readonly (string | ScopeRequirement)[]): RequestHandler {
  const prepared = preparedRequirement('requireScopes', args);
  return requirementMiddleware({ scopes: prepared ?? scopeList('requireScopes', args) });
}

/**
 * Requires at least one of the listed scopes (else 403 `insufficient_scope`
 * listing them). Also accepts a prepared `anyOf(...)` requirement. Behaves
 * like {@link requireScopes} without a preceding `auth()`.
 *
 * @throws TypeError at setup when no scope, an empty / non-string scope, or a requirement whose mode is not `'any'` is given.
 */
export function requireAnyScope(...scopes: readonly string[]): RequestHandler;
export function requireAnyScope(requirement: ScopeRequirement): RequestHandler;
export function requireAnyScope(...args: readonly (string | ScopeRequirement)[]): RequestHandler {
  const prepared = preparedRequirement('requireAnyScope', args);
  if (prepared !== undefined) {
    if (prepared.mode !== 'any')
      throw new TypeError('requireAnyScope(): use requireScopes() for an allOf() requirement');
    return requirementMiddleware({ scopes: prepared });
  }
  return requirementMiddleware({ anyScope: scopeList('requireAnyScope', args) });
}

/**
 * Only lets tokens of the listed subject types through: `'client'`
 * (machines, client_credentials) and/or `'user'` (people); else 403
 * `insufficient_scope`. Behaves like {@link requireScopes} without a
 * preceding `auth()`.
 *
 * @throws TypeError at setup for an empty list or an unknown type.
 */
export function requireSubjectType(...types: readonly SubjectType[]): RequestHandler {
  if (types.length === 0 || types.some((type) => type !== 'client' && type !== 'user')) {
    throw new TypeError("requireSubjectType(): give one or more of 'client', 'user'");
  }
  return requirementMiddleware({ subjectType: types });
}

function preparedRequirement(
  name: string,
  args: readonly (string | ScopeRequirement)[],
): ScopeRequirement | undefined {
  const [first] = args;
  if (typeof first !== 'object' || first === null) return undefined;
  if (args.length !== 1)
    throw new TypeError(`${name}(): give either scope strings or one prepared requirement`);
  return first;
}

function scopeList(name: string, args: readonly (string | ScopeRequirement)[]): readonly string[] {
  if (args.length === 0) throw new TypeError(`${name}(): give at least one scope`);
  for (const scope of args) {
    // RFC 6749 §3.3: a scope token is non-empty and has no spaces.
    if (typeof scope !== 'string' || scope.length === 0 || /\s/.test(scope)) {
      throw new TypeError(`${name}(): scopes must be non-empty strings without spaces`);
    }
  }
  return [...(args as readonly string[])];
}

function failure(error: ScopegateError, realm: string): GuardFailure {
  return { ok: false, ...toErrorResponse(error, realm), error };
}

function requirementMiddleware(requirement: AuthorizeRequirement): RequestHandler {
  return function scopegateRequire(req, res, next) {
    const state = getAuthState(req);
    if (state !== undefined) {
      if (req.auth === undefined) {
        // auth({ authRequired: false }) let a request without a token through; this route needs one.
        reject(res, next, failure(new UnauthorizedError(), state.guard.realm), state.errorHandling);
        return;
      }
      const result = state.guard.check(req.auth, requirement);
      if (result.ok) {
        setHeaders(res, result.headers);
        next();
      } else {
        reject(res, next, result, state.errorHandling);
      }
      return;
    }

    const env = environmentGuard();
    if ('error' in env) {
      // Fail closed: never next() the request, not even as next(err) (an app error handler might not be strict).
      reject(res, next, failure(env.error, 'api'), 'respond');
      return;
    }
    const { guard } = env;
    whenReady(
      res,
      next,
      () => guard.authenticateNow(guardInput(req), requirement),
      (result, done) => {
        if (!result.ok) {
          reject(res, done, result, 'respond');
          return;
        }
        setHeaders(res, result.headers);
        req.auth = result.auth;
        setAuthState(req, { guard, errorHandling: 'respond' });
        done();
      },
    );
  };
}
