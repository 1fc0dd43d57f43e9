/**
 * The synchronous fast path shared inside core. A request whose key is
 * cached, whose client limit lives in memory and whose metadata is static
 * needs nothing to wait for; answering it without promises saves the
 * microtask hops (and the garbage) of every `await` on the hot path. The
 * public methods stay promise-based and are thin wrappers over these.
 *
 * The marker is not exported from the package: a method from another copy of
 * core, or a user's own, simply lacks it, and callers then use the public method.
 */

import type { VerifiedToken } from './types.js';

/** A value now, or a promise of it when some step had to wait. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * Whether a `MaybePromise` has to be waited for. A thenable from user code (a custom store,
 * key source or metadata function) is turned into a native promise where it enters, so
 * adapters can test results with `instanceof Promise`.
 */
export function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return (
    typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
  );
}

/** What core's own `verify` carries: the synchronous pipeline. */
export interface VerifyFastPath {
  /** The whole pipeline, cache first; a promise only when a key has to be fetched. Throws ScopegateErrors. */
  now(token: string): MaybePromise<VerifiedToken>;
}

// The synchronous variant rides on the public method itself (verify, check, consume), not on
// the object: a wrapper that replaces the method ({ ...verifier, verify: myCheck }) drops it
// with the method, so the wrapper's own logic is never skipped.
const FAST_PATH: unique symbol = Symbol('scopegate.fastPath');

/** Attaches `now`, the synchronous variant of `method`, to `method`; returns `method`. */
export function attachFastPath<M extends (...args: never[]) => unknown>(method: M, now: unknown): M {
  Object.defineProperty(method, FAST_PATH, { value: now });
  return method;
}

/** The synchronous variant attached to `method`, if it is one of core's own. */
export function fastPathOf<N>(method: unknown): N | undefined {
  return typeof method === 'function' ? (method as { [FAST_PATH]?: N })[FAST_PATH] : undefined;
}
