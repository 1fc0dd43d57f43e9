import {
  authorizationHeader,
  ConfigurationError,
  checkOptionNames,
  createGuard,
  createVerifier,
  extractBearerToken,
  type Guard,
  type GuardResult,
  type ScopegateError,
  type SubjectType,
  toErrorResponse,
  type Verifier,
  type VerifierOptions,
} from '@scopegate/core';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import fp from 'fastify-plugin';
import { createRouteErrorHandler, hasApplicationErrorHandler, sendScopegateError } from './error-reply.js';
import { BESIDE_VERIFIER_OPTION_NAMES, PLUGIN_OPTION_NAMES, type ScopegateOptions } from './options.js';
import { compileRouteAuth, type RouteAuth, type ScopegateRouteConfig } from './route-auth.js';

/**
 * A hook returned by `app.requireScopes()`, `app.requireAnyScope()` and
 * `app.requireSubjectType()`; use it as a route's `onRequest` or
 * `preHandler`. Resolves when the request may go on; otherwise rejects with
 * the `ScopegateError` (or answers it, see the README's error handling).
 */
export type ScopegateHook = (
  request: FastifyRequest,
  reply: FastifyReply,
) => Promise<FastifyReply | undefined>;

/** What `app.scopegate` holds: the verifier and guard this registration uses. */
export interface ScopegateDecoration {
  /** The token verifier (built from the options, or the one passed as `verifier`). */
  readonly verifier: Verifier;
  /** The core guard: bearer extraction, verification, rate limit and requirement checks. */
  readonly guard: Guard;
  /** Realm of the `WWW-Authenticate` challenges. */
  readonly realm: string;
}

// Where onRoute leaves each route's precomputed decision (a symbol: invisible to user config keys).
const kRouteAuth: unique symbol = Symbol('@scopegate/fastify route auth');
type ConfigWithRouteAuth = ScopegateRouteConfig & { [kRouteAuth]?: RouteAuth };

/** The credentials RFC 6750 allows: header, query, and a form-encoded body (only once it is parsed). */
function credentials(request: FastifyRequest) {
  const contentType = request.headers['content-type'];
  const formBody =
    typeof contentType === 'string' &&
    contentType.toLowerCase().startsWith('application/x-www-form-urlencoded');
  return {
    // Every value when the header is repeated (Node keeps the first): core answers that with 400.
    authorization: authorizationHeader(request.headers.authorization, request.raw.rawHeaders),
    query: request.query,
    body: formBody ? request.body : undefined,
  };
}

function buildVerifier(options: ScopegateOptions): Verifier {
  const {
    rateLimit: _rateLimit,
    authRequired: _authRequired,
    verifier,
    prefix: _prefix,
    logLevel: _logLevel,
    logSerializers: _logSerializers,
    ...verifierOptions
  } = options as ScopegateOptions & { prefix?: unknown; logLevel?: unknown; logSerializers?: unknown };
  if (verifier === undefined) return createVerifier(verifierOptions as VerifierOptions);
  // A verifier's options are fixed at createVerifier(); given here they would be ignored (an
  // unset one, `undefined`, is no mistake). The guard applies `scopeMatch` and `onEvent` itself.
  const extra = Object.entries(verifierOptions)
    .filter(([key, value]) => value !== undefined && !BESIDE_VERIFIER_OPTION_NAMES.includes(key))
    .map(([key]) => key);
  if (extra.length > 0) {
    throw new ConfigurationError(
      `@scopegate/fastify: pass either \`verifier\` or verifier options, not both (got ${extra.join(', ')})`,
    );
  }
  return verifier;
}

const scopegatePlugin: FastifyPluginAsync<ScopegateOptions> = async (fastify, options) => {
  if (fastify.hasDecorator('requireScopes')) {
    throw new ConfigurationError(
      '@scopegate/fastify is already registered in this context or a parent context; register it once per context tree',
    );
  }
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('@scopegate/fastify: options must be an object');
  }
  checkOptionNames(options, PLUGIN_OPTION_NAMES, '@scopegate/fastify');
  const authRequired = options.authRequired ?? true;
  if (typeof authRequired !== 'boolean') {
    throw new ConfigurationError('@scopegate/fastify: authRequired must be a boolean');
  }
  const verifier = buildVerifier(options);
  // A verifier built here carries scopeMatch; beside a given one it is the guard's. onEvent is
  // forwarded so rate-limit events reach the same handler.
  const onEvent = 'onEvent' in options ? options.onEvent : undefined;
  const scopeMatch = options.verifier !== undefined ? options.scopeMatch : undefined;
  const guard = createGuard({
    verifier,
    rateLimit: options.rateLimit,
    onEvent,
    ...(scopeMatch === undefined ? {} : { scopeMatch }),
  });
  const realm = guard.realm;
  const routeErrorHandler = createRouteErrorHandler(realm);

  // Routes the onRoute hook never saw (added before registration, the 404 handler) are compiled on first use.
  const lateRouteAuth = new WeakMap<object, RouteAuth>();
  const routeAuthOf = (request: FastifyRequest): RouteAuth => {
    const { config, url } = request.routeOptions as { config?: ConfigWithRouteAuth; url?: string };
    const precomputed = config?.[kRouteAuth];
    if (precomputed !== undefined) return precomputed;
    if (config === undefined || config === null) return compileRouteAuth(undefined, '');
    let routeAuth = lateRouteAuth.get(config);
    if (routeAuth === undefined) {
      // The route pattern, not request.url: a query string never goes into a message.
      routeAuth = compileRouteAuth(config, `${request.method} ${url ?? '(no route)'}`);
      lateRouteAuth.set(config, routeAuth);
    }
    return routeAuth;
  };

  // A rejection: headers go on the reply first, so they are there however the error is answered.
  const reject = (
    request: FastifyRequest,
    reply: FastifyReply,
    result: Extract<GuardResult, { ok: false }>,
  ): FastifyReply => {
    reply.headers(result.headers);
    const config = request.routeOptions.config as ConfigWithRouteAuth | undefined;
    // Routes without the plugin's route-level error handler still get the contract's reply.
    if (config?.[kRouteAuth] === undefined && !hasApplicationErrorHandler(request.server)) {
      return sendScopegateError(reply, result.error, realm);
    }
    throw result.error;
  };

  fastify.decorateRequest('auth', null);

  fastify.addHook('onRoute', (routeOptions) => {
    const method = Array.isArray(routeOptions.method) ? routeOptions.method.join(',') : routeOptions.method;
    const routeAuth = compileRouteAuth(routeOptions.config, `${method} ${routeOptions.url}`);
    routeOptions.config = { ...routeOptions.config, [kRouteAuth]: routeAuth } as typeof routeOptions.config;
    if (routeOptions.errorHandler === undefined) routeOptions.errorHandler = routeErrorHandler;
  });

  // Applies the guard's answer: calls `done` exactly once, outside any try (so nothing that
  // runs after it can come back here and call it again), unless the reply was already sent.
  const settle = (
    request: FastifyRequest,
    reply: FastifyReply,
    routeAuth: RouteAuth,
    result: GuardResult,
    done: HookHandlerDoneFunction,
  ): void => {
    let failure: Error | undefined;
    try {
      if (result.ok) {
        reply.headers(result.headers);
        request.auth = result.auth;
        // authRequired: false lets a request without any token through, unless the route asks for more.
      } else if (
        authRequired ||
        result.error.code !== 'unauthorized' ||
        routeAuth.requirement !== undefined
      ) {
        reject(request, reply, result);
        return; // answered here (reject throws when the error handler should answer instead)
      }
    } catch (error) {
      failure = error as Error;
    }
    done(failure);
  };

  // Callback style, not async: when the guard can answer at once (cached key, in-memory
  // limits) the request goes on without a single promise.
  fastify.addHook('onRequest', (request, reply, done) => {
    const routeAuth = routeAuthOf(request);
    if (!routeAuth.authenticate) {
      done();
      return;
    }
    const result = guard.authenticateNow(credentials(request), routeAuth.requirement);
    if (result instanceof Promise) {
      // The guard's promise never rejects; only what runs after done() could throw here, and
      // done has been called by then: log it rather than leave an unhandled rejection.
      result
        .then((resolved) => settle(request, reply, routeAuth, resolved, done))
        .catch((error: unknown) =>
          request.log.error({ err: error }, 'scopegate: error after authentication'),
        );
      return;
    }
    settle(request, reply, routeAuth, result, done);
  });

  fastify.addHook('onClose', async () => {
    await guard.close();
  });

  // The plugin authenticated in onRequest, before the body was parsed: a form body's
  // access_token shows only to a decorator run as preHandler, and a token sent in two places
  // gets the same 400 there as on every other path. Only form-encoded requests pay for it.
  const secondToken = (request: FastifyRequest): Extract<GuardResult, { ok: false }> | undefined => {
    const { authorization, body } = credentials(request);
    if (body === undefined) return undefined;
    try {
      extractBearerToken(authorization, { body });
      return undefined;
    } catch (error) {
      return { ok: false, ...toErrorResponse(error, realm), error: error as ScopegateError };
    }
  };

  const requirementHook = (requirement: RouteAuth['requirement']): ScopegateHook => {
    return async (request, reply) => {
      const current = request.auth ?? null;
      // No token yet: the route is `auth: false`, or `authRequired: false` let a token-less request through.
      const result =
        current === null
          ? await guard.authenticate(credentials(request), requirement)
          : (secondToken(request) ?? guard.check(current, requirement ?? {}));
      if (result.ok) {
        reply.headers(result.headers);
        request.auth = result.auth;
        return undefined;
      }
      return reject(request, reply, result);
    };
  };

  const nonEmpty = (name: string, values: readonly unknown[]): void => {
    if (values.length === 0) throw new ConfigurationError(`${name}() needs at least one argument`);
  };

  fastify.decorate('requireScopes', (...scopes: string[]): ScopegateHook => {
    nonEmpty('requireScopes', scopes);
    return requirementHook(compileRouteAuth({ scopes }, 'requireScopes()').requirement);
  });
  fastify.decorate('requireAnyScope', (...scopes: string[]): ScopegateHook => {
    nonEmpty('requireAnyScope', scopes);
    return requirementHook(compileRouteAuth({ anyScope: scopes }, 'requireAnyScope()').requirement);
  });
  fastify.decorate('requireSubjectType', (...types: SubjectType[]): ScopegateHook => {
    nonEmpty('requireSubjectType', types);
    return requirementHook(compileRouteAuth({ subjectType: types }, 'requireSubjectType()').requirement);
  });
  const decoration: ScopegateDecoration = Object.freeze({ verifier, guard, realm });
  fastify.decorate('scopegate', decoration);
};

/**
 * The scopegate Fastify plugin. Register it in the context whose routes it
 * should protect (the root for the whole app, or a child context for only
 * that part): every route registered after it in that context and its
 * descendants needs a valid bearer token unless its config says
 * `auth: false`, and must satisfy its `config.scopes`, `config.anyScope` and
 * `config.subjectType`. Sets `request.auth`; adds `app.requireScopes()`,
 * `app.requireAnyScope()`, `app.requireSubjectType()` and `app.scopegate`.
 *
 * @throws ConfigurationError (at registration) for invalid options, an unknown
 * option name, verifier options beside `verifier` (but `onEvent`), a second
 * registration in the same context tree, or an invalid route config.
 */
export const scopegate = fp(scopegatePlugin, {
  fastify: '5.x',
  name: '@scopegate/fastify',
});
