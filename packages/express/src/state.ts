/**
 * Per-request state shared by `auth()` and the `require*` middleware. It is
 * keyed by a symbol, not inferred from `req.auth`, so that a request that
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

// Symbol.for so that two copies of this package in one app still see each other's state.
const AUTH_STATE: unique symbol = Symbol.for('@scopegate/express.auth-state');

type StatefulRequest = Request & { [AUTH_STATE]?: AuthState };

/** The state left by `auth()` (or by a `require*` that authenticated on its own), if any. */
export function getAuthState(req: Request): AuthState | undefined {
  return (req as StatefulRequest)[AUTH_STATE];
}

/** Marks the request as authenticated by `guard`. */
export function setAuthState(req: Request, state: AuthState): void {
  (req as StatefulRequest)[AUTH_STATE] = state;
}
