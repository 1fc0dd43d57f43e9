import { isScopegateError, type ScopegateError } from '@scopegate/core';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Whether an application error handler (`setErrorHandler` in the route's
 * context or an ancestor) would receive the route's errors. Fastify binds
 * every handler given to `setErrorHandler`, so only its own unbound
 * `defaultErrorHandler` keeps that name; anything else is the user's.
 */
export function hasApplicationErrorHandler(server: FastifyInstance): boolean {
  return server.errorHandler.name !== 'defaultErrorHandler';
}

/**
 * Answers with the contract's status, headers (`WWW-Authenticate`, or
 * `Retry-After`) and JSON body `{ error, error_description }`. Headers
 * already on the reply (e.g. `RateLimit-*` set by the hook) are kept.
 */
export function sendScopegateError(reply: FastifyReply, error: ScopegateError, realm: string): FastifyReply {
  if (error.status >= 500) reply.log.error({ err: error }, error.message);
  else reply.log.info({ res: reply, err: error }, error.message);
  return reply.code(error.status).headers(error.headers(realm)).send(error.toBody());
}

/**
 * The route-level error handler the plugin gives each route of its context
 * (routes that set their own `errorHandler` keep it). A `ScopegateError` is
 * formatted here unless the application set an error handler, which then
 * receives it (to restyle it); every other error goes on, unchanged, to the
 * context's error handler (the application's or Fastify's default).
 */
export function createRouteErrorHandler(realm: string) {
  return function scopegateErrorHandler(
    error: FastifyError,
    request: FastifyRequest,
    reply: FastifyReply,
  ): FastifyReply {
    // Rethrowing from a route-level handler hands the error to the next handler in Fastify's chain.
    if (!isScopegateError(error) || hasApplicationErrorHandler(request.server)) throw error;
    return sendScopegateError(reply, error, realm);
  };
}
