/**
 * Starts the whole example system on loopback, in this process, on ephemeral
 * ports: the authorization server, the Express API, the Fastify API and the
 * gateway (with its unprotected upstream). The APIs and the gateway are
 * configured exactly as they would be alone: from environment variables,
 * through each example's `configFromEnv`.
 */
import { startAuthorizationServer } from '@scopegate/example-authorization-server';
import * as expressApi from '@scopegate/example-express-api';
import * as fastifyApi from '@scopegate/example-fastify-api';
import * as gateway from '@scopegate/example-gateway';

/**
 * @param {{ log?: (line: string) => void, verifier?: object }} [options]
 *   `verifier`: extra VerifierOptions for all three (tests only; the demo passes none)
 */
export async function startStack(options = {}) {
  const started = [];
  const closeAll = async () => {
    // Reverse order: the APIs first, the authorization server last.
    for (const item of started.reverse()) {
      await item.close().catch(() => {});
    }
  };
  try {
    const as = await startAuthorizationServer({ log: options.log });
    started.push(as);

    const env = {
      SCOPEGATE_ISSUER: as.issuer,
      SCOPEGATE_AUDIENCE: as.audience,
      SCOPEGATE_ADMIN_URL: as.adminUrl,
      // The APIs re-read the JWKS when a token names an unknown key, at most once per
      // cooldown (default 30 s, counted from the first fetch). The demo rotates keys a few
      // seconds after start, so it shortens the cooldown to keep the run short.
      SCOPEGATE_JWKS_COOLDOWN_MS: '1000',
      PORT: '0',
      HOST: '127.0.0.1',
    };
    const withVerifier = (config) =>
      options.verifier ? { ...config, verifier: { ...config.verifier, ...options.verifier } } : config;

    const expressHandle = await expressApi.start(withVerifier(expressApi.configFromEnv(env)));
    started.push(expressHandle);
    const fastifyHandle = await fastifyApi.start(withVerifier(fastifyApi.configFromEnv(env)));
    started.push(fastifyHandle);
    const gatewayHandle = await gateway.start(withVerifier(gateway.configFromEnv(env)));
    started.push(gatewayHandle);

    return {
      as,
      apis: [
        { name: 'express', url: expressHandle.url },
        { name: 'fastify', url: fastifyHandle.url },
        { name: 'gateway', url: gatewayHandle.url },
      ],
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
