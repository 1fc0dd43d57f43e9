/**
 * The example data API on Express 5, protected by @scopegate/express.
 *
 *   GET  /health  public
 *   GET  /data    scope data:read
 *   POST /data    scope data:write
 *   POST /sync    machines only (client_credentials tokens), any scope
 *
 * Per-client rate limits come from the authorization server's client records
 * (`metadata.rate_limit_per_minute` via its Hydra-style admin API).
 */
import { hydraAdminMetadata, isScopegateError } from '@scopegate/core';
import { auth, requireScopes, requireSubjectType } from '@scopegate/express';
import express from 'express';

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
 * Builds the Express application.
 * @param {{ issuer: string, audience: string, adminUrl?: string, defaultPerMinute?: number, verifier?: object }} config
 *   `verifier` takes extra scopegate VerifierOptions (tests use it to tune the JWKS cache)
 */
export function createApp(config) {
  const app = express();
  app.disable('x-powered-by');

  const items = [{ id: 1, value: 'hello from express' }];

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // Everything below needs a valid token; /health above stays public.
  app.use(
    auth({
      ...config.verifier,
      issuer: config.issuer,
      audience: config.audience,
      rateLimit: rateLimitFor(config),
    }),
  );
  app.use(express.json({ limit: '16kb' }));

  app.get('/data', requireScopes('data:read'), (req, res) => {
    res.json({ items, client: req.auth.clientId ?? null });
  });

  app.post('/data', requireScopes('data:write'), (req, res) => {
    const item = { id: items.length + 1, value: req.body?.value ?? null, by: req.auth.clientId ?? null };
    items.push(item);
    res.status(201).json(item);
  });

  app.post('/sync', requireSubjectType('client'), (req, res) => {
    res.json({ synced: true, client: req.auth.clientId ?? null, items: items.length });
  });

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found', error_description: 'no such route' });
  });

  // Express 5 hands errors (a bad JSON body, anything thrown) to this handler.
  app.use((err, _req, res, _next) => {
    if (isScopegateError(err)) {
      res.status(err.status).set(err.headers()).json(err.toBody());
      return;
    }
    if (err?.type === 'entity.parse.failed' || err?.type === 'entity.too.large') {
      res
        .status(err.status ?? 400)
        .json({ error: 'invalid_request', error_description: 'unreadable JSON body' });
      return;
    }
    res.status(500).json({ error: 'server_error', error_description: 'internal error' });
  });

  return app;
}

/**
 * Starts the API. Resolves `{ url, port, close() }`.
 * @param {ReturnType<typeof import('./config.js').configFromEnv>} config
 */
export async function start(config) {
  const app = createApp(config);
  const server = await new Promise((resolve, reject) => {
    const s = app.listen(config.port ?? 0, config.host ?? '127.0.0.1', (error) => {
      if (error) reject(error);
      else resolve(s);
    });
  });
  const { port } = server.address();
  return {
    url: `http://${config.host ?? '127.0.0.1'}:${port}`,
    port,
    server,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
