/**
 * Turns a core `GuardResult` into Express calls. Nothing here decides
 * anything: statuses, headers and bodies all come from the core result.
 */
import type { GuardResult, ScopegateError } from '@scopegate/core';
import type { NextFunction, Response } from 'express';
import type { ErrorHandling } from './state.js';

/** A rejected {@link GuardResult}. */
export type GuardFailure = Extract<GuardResult, { ok: false }>;

/**
 * A `ScopegateError` as handed to `next(err)` in `errorHandling: 'next'` mode:
 * it also carries the response headers the contract requires for it
 * (`WWW-Authenticate`, `Retry-After`, `RateLimit-Policy`, `RateLimit`).
 */
export type ExpressScopegateError = ScopegateError & {
  /** Headers to send with the error response (lower-case names). Already set on `res` too. */
  readonly responseHeaders: Readonly<Record<string, string>>;
};

/** Sets response headers (lower-case names, as core produces them). */
export function setHeaders(res: Response, headers: Readonly<Record<string, string>>): void {
  // for-in over core's plain objects: no key array per request.
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) res.setHeader(name, value);
  }
}

/**
 * Delivers a rejection. In `'respond'` mode the middleware answers with the
 * contract's status, headers and JSON body. In `'next'` mode the headers are
 * set on `res` (so even Express's default handler sends `WWW-Authenticate`)
 * and the error goes to `next(err)` with them attached as `responseHeaders`.
 */
export function reject(res: Response, next: NextFunction, failure: GuardFailure, mode: ErrorHandling): void {
  setHeaders(res, failure.headers);
  if (mode === 'next') {
    // Not enumerable: loggers that dump the error should not print headers; toJSON() stays the contract body.
    Object.defineProperty(failure.error, 'responseHeaders', {
      value: failure.headers,
      enumerable: false,
      configurable: true,
      writable: true,
    });
    next(failure.error);
    return;
  }
  res.status(failure.status).json(failure.body);
}
