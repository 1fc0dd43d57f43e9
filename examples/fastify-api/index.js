/**
 * The example data API on Fastify 5, protected by @scopegate/fastify.
 * Same routes and rules as the Express example:
 *
 *   GET  /health  public (config.auth: false)
 *   GET  /data    scope data:read
 *   POST /data    scope data:write
 *   POST /sync    machines only (client_credentials tokens), any scope
 *
 * Per-client rate limits come from the authorization server's client records
 * (`metadata.rate_limit_per_minute` via its Hydra-style admin API).
 */
import { hydraAdminMetadata } from '@scopegate/core';
import scopegate from '@scopegate/fastify';
import Fastify from 'fastify';

export { configFromEnv } from './config.js';

/** The `rateLimit` option for a config, or undefined when no limits are configured. */
function rateLimitFor(config) {
  if (!config.adminUrl && config.defaultPerMinute === undefined) return undefined;
  return {
    clientMetadata: config.adminUrl ? hydraAdminMetadata({ adminUrl: config.adminUrl }) : undefined,
    defaultPerMinute: config.defaultPerMinute,
  };
}

/**
 * Builds the Fastify instance (not listening yet).
 * @param {{ issuer: string, audience: string, adminUrl?: string, defaultPerMinute?: number, verifier?: object }} config
 *   `verifier` takes extra scopegate VerifierOptions (tests use it to tune the JWKS cache)
 */
export async function createApp(config) {
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024, forceCloseConnections: true });

  await app.register(scopegate, {
    ...config.verifier,
    issuer: config.issuer,
    audience: config.audience,
    rateLimit: rateLimitFor(config),
  });

  const items = [{ id: 1, value: 'hello from fastify' }];

  app.get('/health', { config: { auth: false } }, async () => ({ status: 'ok' }));

  app.get('/data', { config: { scopes: ['data:read'] } }, async (request) => ({
    items,
    client: request.auth.clientId ?? null,
  }));

  app.post('/data', { config: { scopes: ['data:write'] } }, async (request, reply) => {
    const item = {
      id: items.length + 1,
      value: request.body?.value ?? null,
      by: request.auth.clientId ?? null,
    };
    items.push(item);
    reply.code(201);
    return item;
  });

  app.post('/sync', { config: { subjectType: 'client' } }, async (request) => ({
    synced: true,
    client: request.auth.clientId ?? null,
    items: items.length,
  }));

  return app;
}

/**
 * Starts the API. Resolves `{ url, port, close() }`.
 * @param {ReturnType<typeof import('./config.js').configFromEnv>} config
 */
export async function start(config) {
  const app = await createApp(config);
  await app.listen({ port: config.port ?? 0, host: config.host ?? '127.0.0.1' });
  const { port } = app.server.address();
  return {
    url: `http://${config.host ?? '127.0.0.1'}:${port}`,
    port,
    app,
    // forceCloseConnections above: keep-alive sockets do not hold close() open.
    close: () => app.close(),
  };
}
