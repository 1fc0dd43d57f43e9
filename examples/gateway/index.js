/**
 * A reverse proxy on plain `node:http` that puts scopegate in front of a
 * service with no authentication of its own. No web framework: every request
 * goes through `verifier.authorize()`, and a refusal is answered with exactly
 * the decision's status, headers and JSON body, so callers see the same
 * answers as from the Express and Fastify adapters.
 *
 * On success the request is forwarded with:
 * - `x-client-id`: the verified OAuth client (any incoming one is removed, so
 *   a caller can never claim an identity);
 * - `x-subject-type`: `client` or `user`;
 * - no `Authorization` header (the upstream has no use for the token).
 */
import http from 'node:http';
import {
  authorizationHeader,
  createRateLimiter,
  createVerifier,
  hydraAdminMetadata,
  isScopegateError,
} from '@scopegate/core';
import { startUpstream } from './upstream.js';

export { configFromEnv } from './config.js';
export { startUpstream } from './upstream.js';

/** What each route requires; `public` routes are forwarded without a token. */
export const ROUTES = [
  { method: 'GET', path: '/health', public: true },
  { method: 'GET', path: '/data', requirement: { scopes: ['data:read'] } },
  { method: 'POST', path: '/data', requirement: { scopes: ['data:write'] } },
  { method: 'POST', path: '/sync', requirement: { subjectType: 'client' } },
];

/** Headers the gateway alone may set towards the upstream. */
const IDENTITY_HEADERS = ['x-client-id', 'x-subject-type'];

// RFC 9110 section 7.6.1: connection-specific headers are not forwarded.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function withoutHopByHop(headers) {
  const listed = String(headers.connection ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const out = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || listed.includes(name)) continue;
    out[name] = value;
  }
  return out;
}

function sendJson(res, status, headers, body) {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

/**
 * Builds the gateway's request handler.
 * @param {{ issuer: string, audience: string, upstreamUrl: string, adminUrl?: string,
 *           defaultPerMinute?: number, verifier?: object }} config
 *   `verifier` takes extra scopegate VerifierOptions (tests use it to tune the JWKS cache)
 */
export function createGateway(config) {
  const verifier = createVerifier({ ...config.verifier, issuer: config.issuer, audience: config.audience });
  const limiter =
    config.adminUrl || config.defaultPerMinute !== undefined
      ? createRateLimiter({
          clientMetadata: config.adminUrl ? hydraAdminMetadata({ adminUrl: config.adminUrl }) : undefined,
          defaultPerMinute: config.defaultPerMinute,
        })
      : undefined;
  const upstream = new URL(config.upstreamUrl);

  const forward = (req, res, auth, extraHeaders) => {
    const headers = withoutHopByHop(req.headers);
    delete headers.authorization;
    for (const name of IDENTITY_HEADERS) delete headers[name];
    headers.host = upstream.host;
    if (auth) {
      headers['x-client-id'] = auth.clientId ?? '';
      headers['x-subject-type'] = auth.subjectType;
    }
    const outbound = http.request(
      {
        protocol: upstream.protocol,
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers,
      },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, {
          ...withoutHopByHop(upstreamRes.headers),
          ...extraHeaders,
        });
        upstreamRes.pipe(res);
      },
    );
    outbound.on('error', () => {
      if (!res.headersSent)
        sendJson(res, 502, {}, { error: 'bad_gateway', error_description: 'upstream unavailable' });
      else res.destroy();
    });
    req.pipe(outbound);
  };

  const handler = async (req, res) => {
    try {
      const path = new URL(req.url ?? '/', 'http://gateway.invalid').pathname;
      const route = ROUTES.find((r) => r.method === req.method && r.path === path);
      if (route?.public) {
        forward(req, res, undefined, {});
        return;
      }

      // 1. The token alone. Unknown routes need one too, so they reveal nothing to anonymous callers.
      //    Every value of a repeated Authorization header (Node keeps the first): that is a 400.
      const authorization = authorizationHeader(req.headers.authorization, req.rawHeaders);
      const authn = await verifier.authorize(authorization);
      if (!authn.ok) {
        sendJson(res, authn.status, authn.headers, authn.body);
        return;
      }

      // 2. The client's limit. Like the Express and Fastify adapters, every request with a valid
      //    token counts, including one then refused for its scopes.
      const limit = limiter ? await limiter.check(authn.auth) : { allowed: true, headers: {} };
      if (!limit.allowed) {
        sendJson(res, limit.error.status, limit.headers, limit.error.toBody());
        return;
      }
      if (!route) {
        sendJson(res, 404, limit.headers, { error: 'not_found', error_description: 'no such route' });
        return;
      }

      // 3. The route's requirement (the verified token is cached, so this does not verify twice).
      const decision = await verifier.authorize(authorization, route.requirement);
      if (!decision.ok) {
        sendJson(res, decision.status, { ...limit.headers, ...decision.headers }, decision.body);
        return;
      }
      forward(req, res, decision.auth, limit.headers);
    } catch (error) {
      // e.g. a metadata source configured to fail closed (503)
      if (isScopegateError(error)) {
        sendJson(res, error.status, error.headers(verifier.realm), error.toBody());
        return;
      }
      sendJson(res, 500, {}, { error: 'server_error', error_description: 'internal error' });
    }
  };

  return { handler, verifier, close: async () => limiter?.close() };
}

/**
 * Starts the gateway (and the bundled upstream when `upstreamUrl` is not given).
 * Resolves `{ url, port, upstreamUrl, close() }`.
 */
export async function start(config) {
  const ownUpstream = config.upstreamUrl
    ? undefined
    : await startUpstream({ host: config.host ?? '127.0.0.1' });
  const upstreamUrl = config.upstreamUrl ?? ownUpstream.url;
  const gateway = createGateway({ ...config, upstreamUrl });
  const server = http.createServer((req, res) => {
    gateway.handler(req, res);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port ?? 0, config.host ?? '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    url: `http://${config.host ?? '127.0.0.1'}:${port}`,
    port,
    upstreamUrl,
    verifier: gateway.verifier,
    close: async () => {
      await new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await gateway.close();
      await ownUpstream?.close();
    },
  };
}
