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
// property added to it goes through V8's slow path (a map migration, several microseconds).
// Kept on globalThis under a versioned Symbol.for key so that two copies of this package in
// one app share it; anything else found under that key is left alone and not trusted.
const STATES_KEY = Symbol.for('@scopegate/express.auth-states.v1');
// Where copies from before the WeakMap kept the state: read (never written) so that an older
// copy's auth() in front of this copy's require* still counts.
const LEGACY_STATE = Symbol.for('@scopegate/express.auth-state');

function sharedStates(): WeakMap<Request, AuthState> {
  const holder = globalThis as { [STATES_KEY]?: unknown };
  const found = holder[STATES_KEY];
  if (found instanceof WeakMap) return found as WeakMap<Request, AuthState>;
  const own = new WeakMap<Request, AuthState>();
  if (found === undefined) holder[STATES_KEY] = own;
  return own;
}

const states = sharedStates();

/** The state left by `auth()` (or by a `require*` that authenticated on its own), if any. */
export function getAuthState(req: Request): AuthState | undefined {
  return states.get(req) ?? (req as Request & { [LEGACY_STATE]?: AuthState })[LEGACY_STATE];
}

/** Marks the request as authenticated by the guard in `state`. */
export function setAuthState(req: Request, state: AuthState): void {
  states.set(req, state);
}
