/**
 * Express 4 does not look at the promise a middleware returns, so an async
 * rejection there would be unhandled (and crash the process by default).
 * Every middleware in this package therefore runs its guard call through
 * {@link whenReady}: exactly one `next()` or response, and any unexpected
 * error goes to `next(err)` (Express answers 500) unless a response is
 * already on its way.
 */
import type { NextFunction, Response } from 'express';

/** A `next` that only the first call gets through. */
function onceNext(next: NextFunction): NextFunction {
  let settled = false;
  return ((error?: unknown) => {
    if (settled) return;
    settled = true;
    next(error);
  }) as NextFunction;
}

/**
 * Runs `produce` and hands its value to `handle`: at once when the value is
 * already there (the guard's synchronous path: no promise, no microtask), else
 * once it resolves. `handle` gets a `next` that only the first call gets
 * through; a throw or rejection becomes `next(err)`.
 */
export function whenReady<T>(
  res: Response,
  next: NextFunction,
  produce: () => T | Promise<T>,
  handle: (value: T, next: NextFunction) => void,
): void {
  const once = onceNext(next);
  const failed = (error: unknown): void => {
    // A response already started (by us or by something else while we waited): nothing safe is left to do.
    if (!res.headersSent) once(error);
  };
  try {
    const value = produce();
    if (value instanceof Promise) {
      value.then((resolved) => handle(resolved, once)).catch(failed);
      return;
    }
    handle(value, once);
  } catch (error) {
    failed(error);
  }
}
