/**
 * The synchronous fast path shared inside core. A request whose key is
 * cached, whose client limit lives in memory and whose metadata is static
 * needs nothing to wait for; answering it without promises saves the
 * microtask hops (and the garbage) of every `await` on the hot path. The
 * public methods stay promise-based and are thin wrappers over these.
 *
 * The symbols are not exported from the package: an object from another copy
 * of core simply lacks them, and callers then fall back to the public method.
 */

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

/** On a verifier: `(token) => MaybePromise<VerifiedToken>`; throws or rejects with ScopegateErrors. */
export const VERIFY_NOW: unique symbol = Symbol('scopegate.verifyNow');

/** On the in-memory store: `consume` without the promise. */
export const CONSUME_NOW: unique symbol = Symbol('scopegate.consumeNow');

/** On a rate limiter: `check` as a `MaybePromise`. */
export const CHECK_NOW: unique symbol = Symbol('scopegate.checkNow');
