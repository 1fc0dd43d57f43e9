/**
 * Type-level tests (checked by `tsc -p tsconfig.json`; at run time they only
 * build the app): declaration merging of request.auth, route config keys and
 * the decorators.
 */
import type { SubjectType, VerifiedToken, VerifierOptions } from '@scopegate/core';
import Fastify, {
  type FastifyContextConfig,
  type FastifyReply,
  type FastifyRequest,
  type RegisterOptions,
} from 'fastify';
import { describe, expectTypeOf, it } from 'vitest';
import scopegate, { scopegate as named, type ScopegateHook, type ScopegateOptions } from '../src/index.js';
import type { PLUGIN_OPTION_NAMES, ScopegateCommonOptions } from '../src/options.js';
import { createTestIssuer } from './helpers.js';

describe('types', () => {
  it('request.auth, route config and decorators are typed', async () => {
    const issuer = await createTestIssuer();
    const app = Fastify();
    await app.register(scopegate, { ...issuer.verifierOptions, rateLimit: { defaultPerMinute: 10 } });

    expectTypeOf(named).toEqualTypeOf(scopegate);
    expectTypeOf<FastifyRequest['auth']>().toEqualTypeOf<VerifiedToken | null>();
    expectTypeOf<FastifyContextConfig['auth']>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<FastifyContextConfig['scopes']>().toEqualTypeOf<readonly string[] | undefined>();
    expectTypeOf<FastifyContextConfig['anyScope']>().toEqualTypeOf<readonly string[] | undefined>();
    expectTypeOf<FastifyContextConfig['subjectType']>().toEqualTypeOf<
      SubjectType | readonly SubjectType[] | undefined
    >();

    expectTypeOf(app.requireScopes).toBeFunction();
    expectTypeOf(app.requireScopes).parameters.toEqualTypeOf<string[]>();
    expectTypeOf(app.requireScopes('a')).toEqualTypeOf<ScopegateHook>();
    expectTypeOf(app.requireAnyScope('a', 'b')).toEqualTypeOf<ScopegateHook>();
    expectTypeOf(app.requireSubjectType).parameters.toEqualTypeOf<SubjectType[]>();
    expectTypeOf<ScopegateHook>().parameters.toEqualTypeOf<[FastifyRequest, FastifyReply]>();

    // route config keys and decorator hooks are accepted where Fastify takes them, also with route generics
    app.get<{ Params: { id: string } }>(
      '/items/:id',
      {
        config: { scopes: ['data:read'], anyScope: ['a', 'b'], subjectType: ['client'] },
        onRequest: app.requireScopes('data:read'),
        preHandler: [app.requireAnyScope('a'), app.requireSubjectType('client')],
      },
      async (request) => {
        expectTypeOf(request.params.id).toBeString();
        expectTypeOf(request.auth).toEqualTypeOf<VerifiedToken | null>();
        return request.auth?.clientId ?? null;
      },
    );
    app.get('/public', { config: { auth: false } }, async () => 'ok');

    // Type errors only: these would also throw at run time, so the function is never called.
    const rejectedByTheCompiler = () => {
      // @ts-expect-error scopes is a list, not a string
      app.get('/bad', { config: { scopes: 'data:read' } }, async () => 'x');
      // @ts-expect-error subjectType is 'client' | 'user'
      app.get('/bad2', { config: { subjectType: 'robot' } }, async () => 'x');
      // @ts-expect-error only subject types
      app.requireSubjectType('robot');
    };
    expectTypeOf(rejectedByTheCompiler).toBeFunction();

    // options: verifier options, or an existing verifier alone
    expectTypeOf<{ issuer: string; audience: string; jwksUri: string }>().toExtend<ScopegateOptions>();
    expectTypeOf<{
      verifier: typeof app.scopegate.verifier;
      authRequired: false;
    }>().toExtend<ScopegateOptions>();
    expectTypeOf<{
      verifier: typeof app.scopegate.verifier;
      issuer: string;
    }>().not.toExtend<ScopegateOptions>();
    expectTypeOf<{ audience: string }>().not.toExtend<ScopegateOptions>();
    expectTypeOf<{
      verifier: typeof app.scopegate.verifier;
      clockToleranceSec: number;
    }>().not.toExtend<ScopegateOptions>();
    expectTypeOf<{
      verifier: typeof app.scopegate.verifier;
      onEvent: () => void;
      scopeMatch: 'wildcard';
    }>().toExtend<ScopegateOptions>();

    await app.ready();
    await app.close();
  });

  it("the names the plugin accepts are exactly its option types' and register's keys", () => {
    expectTypeOf<(typeof PLUGIN_OPTION_NAMES)[number]>().toEqualTypeOf<
      keyof ScopegateCommonOptions | 'verifier' | keyof VerifierOptions | keyof RegisterOptions
    >();
  });
});
