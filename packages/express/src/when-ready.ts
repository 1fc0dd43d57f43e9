/**
 * Express 4 does not look at the promise a middleware returns, so an async
 * rejection there would be unhandled (and crash the process by default).
 * Every async middleware in this package therefore runs through
 * {@link runAsync}: exactly one `next()` or response, and any unexpected
 * error goes to `next(err)` (Express answers 500) unless a response is
 * already on its way.
 */
import type { NextFunction, Response } from 'express';

/** Runs `work` with a `next` that only the first call gets through; a throw or rejection becomes `next(err)`. */
export function runAsync(
  res: Response,
  next: NextFunction,
  work: (next: NextFunction) => Promise<void>,
): void {
  let settled = false;
  const once = ((error?: unknown) => {
    if (settled) return;
    settled = true;
    next(error);
  }) as NextFunction;
  work(once).catch((error: unknown) => {
    // A response already started (by us or by something else while we awaited): nothing safe is left to do.
    if (!res.headersSent) once(error);
  });
}
