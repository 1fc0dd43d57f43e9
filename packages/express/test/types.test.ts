/**
 * Compile-time contract: `req.auth` is typed by declaration merging, and the
 * public option types accept what the README shows. Checked by tsc and by
 * vitest's expectTypeOf at run time (trivially true when it compiles).
 */
import type { RateLimitOptions, VerifiedToken, Verifier, VerifierOptions } from '@scopegate/core';
import type { Request, RequestHandler } from 'express';
import { describe, expectTypeOf, it } from 'vitest';
import {
  auth,
  type ExpressAuthOptions,
  type ExpressScopegateError,
  requireAnyScope,
  requireScopes,
  requireSubjectType,
} from '../src/index.js';
import type { AUTH_OPTION_NAMES, ExpressAdapterOptions } from '../src/options.js';

describe('types', () => {
  it('req.auth is VerifiedToken | undefined', () => {
    expectTypeOf<Request['auth']>().toEqualTypeOf<VerifiedToken | undefined>();
  });

  it('auth() accepts VerifierOptions, adapter options, a verifier, or nothing', () => {
    expectTypeOf(auth).parameter(0).toEqualTypeOf<ExpressAuthOptions | undefined>();
    expectTypeOf<VerifierOptions>().toExtend<ExpressAuthOptions>();
    expectTypeOf<
      VerifierOptions & { rateLimit: RateLimitOptions; authRequired: false }
    >().toExtend<ExpressAuthOptions>();
    expectTypeOf<{ verifier: Verifier; errorHandling: 'next' }>().toExtend<ExpressAuthOptions>();
    expectTypeOf<{ rateLimit: RateLimitOptions }>().toExtend<ExpressAuthOptions>();
    expectTypeOf<ReturnType<typeof auth>>().toEqualTypeOf<RequestHandler>();
  });

  it('rejects half configurations at compile time', () => {
    expectTypeOf<{ issuer: string }>().not.toExtend<ExpressAuthOptions>();
    expectTypeOf<{
      verifier: Verifier;
      issuer: string;
      audience: string;
    }>().not.toExtend<ExpressAuthOptions>();
    expectTypeOf<{ errorHandling: 'throw' }>().not.toExtend<ExpressAuthOptions>();
    // Beside a verifier, only what the middleware applies itself.
    expectTypeOf<{ verifier: Verifier; clockToleranceSec: number }>().not.toExtend<ExpressAuthOptions>();
    expectTypeOf<{
      verifier: Verifier;
      scopeMatch: 'wildcard';
      onEvent: () => void;
    }>().toExtend<ExpressAuthOptions>();
  });

  it("the names auth() accepts are exactly its option types' keys", () => {
    expectTypeOf<(typeof AUTH_OPTION_NAMES)[number]>().toEqualTypeOf<
      keyof ExpressAdapterOptions | 'verifier' | keyof VerifierOptions
    >();
  });

  it('require* return request handlers and take typed arguments', () => {
    expectTypeOf(requireScopes('a', 'b')).toEqualTypeOf<RequestHandler>();
    expectTypeOf(requireAnyScope('a')).toEqualTypeOf<RequestHandler>();
    expectTypeOf(requireSubjectType('client', 'user')).toEqualTypeOf<RequestHandler>();
    // Compile-time only (never called): unknown subject types do not type-check.
    const wrong = () =>
      // @ts-expect-error: only 'client' and 'user' exist
      requireSubjectType('robot');
    expectTypeOf(wrong).toBeFunction();
    expectTypeOf<ExpressScopegateError['responseHeaders']>().toEqualTypeOf<
      Readonly<Record<string, string>>
    >();
  });
});
