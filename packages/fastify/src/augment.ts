/**
 * Declaration merging: what registering the plugin adds to Fastify's types.
 * Imported for its side effect by the package entry point.
 */
import type { SubjectType, VerifiedToken } from '@scopegate/core';
import type { ScopegateDecoration, ScopegateHook } from './plugin.js';
import type { ScopegateRouteConfig } from './route-auth.js';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The verified token, or `null` when the route did not authenticate
     * (`config: { auth: false }`, or `authRequired: false` and no token).
     */
    auth: VerifiedToken | null;
  }

  interface FastifyContextConfig extends ScopegateRouteConfig {}

  interface FastifyInstance {
    /** A hook (for `onRequest` / `preHandler`) requiring all of `scopes`, else 403. */
    requireScopes(...scopes: string[]): ScopegateHook;
    /** A hook (for `onRequest` / `preHandler`) requiring at least one of `scopes`, else 403. */
    requireAnyScope(...scopes: string[]): ScopegateHook;
    /** A hook (for `onRequest` / `preHandler`) admitting only these subject types, else 403. */
    requireSubjectType(...types: SubjectType[]): ScopegateHook;
    /** The verifier and guard of the registration this context uses. */
    scopegate: ScopegateDecoration;
  }
}
