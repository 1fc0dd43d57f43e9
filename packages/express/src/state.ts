/**
 * Per-request state shared by `auth()` and the `require*` middleware. It is
 * kept apart from `req.auth` (not inferred from it), so that a request that
 * passed `auth({ authRequired: false })` without a token is recognised as
 * "already authenticated (anonymously)" and answered 401 by a later
 * `requireScopes`, instead of being authenticated a second time from the
 * environment.
 */
import type { Guard } from '@scopegate/core';
import type { Request } from 'express';

/** How rejections are delivered: answered by the middleware, or passed to `next(err)`. */
export type ErrorHandling = 'respond' | 'next';

/** What the authenticating middleware leaves on the request. */
export interface AuthState {
  /** The guard that authenticated the request; `require*` checks with the same one (same realm, same scope matching). */
  readonly guard: Guard;
  /** The error-handling mode of that middleware, inherited by `require*`. */
  readonly errorHandling: ErrorHandling;
}

// A WeakMap, not a property on `req`: Express gives every request a fresh prototype, so each
// property added to it goes through V8's slow path (a map migration, several thousand
// instructions). Kept on globalThis under Symbol.for so that two copies of this package in
// one app still see each other's state; entries go with their request.
const STATES_KEY = Symbol.for('@scopegate/express.auth-states');
const holder = globalThis as { [STATES_KEY]?: WeakMap<Request, AuthState> };
const states: WeakMap<Request, AuthState> = holder[STATES_KEY] ?? new WeakMap<Request, AuthState>();
holder[STATES_KEY] = states;

/** The state `auth()` left on this request, if any. */
export function getAuthState(req: Request): AuthState | undefined {
  return states.get(req);
}

/** Marks the request as handled by an authenticating middleware. */
export function setAuthState(req: Request, state: AuthState): void {
  states.set(req, state);
}
