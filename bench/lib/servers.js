// One benchmark server per child process: `node lib/servers.js <variant>`.
// Configuration comes from BENCH_CONFIG (JSON: jwks, pem, alg); the process
// prints `PORT <n>` once it listens on 127.0.0.1.

import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { writeSync } from 'node:fs';
import { createServer } from 'node:http';
import { AUDIENCE, ISSUER } from './fixtures.js';

const variant = process.argv[2];
const config = JSON.parse(process.env.BENCH_CONFIG ?? '{}');
const publicKey = createPublicKey(config.pem);
const body = { ok: true, items: [1, 2, 3] };
// For the reference servers that only reproduce the framework-side work of scopegate's.
const referenceAuth = { subject: 'nightly-data-sync' };
const REFERENCE_HEADERS = {
  'ratelimit-policy': '"client";q=1000000000;w=60',
  ratelimit: '"client";r=999999999;t=60',
};

// What a route that does "one bare crypto.verify per request" costs: the
// reference for the distinct-token target.
function bareVerify(authorization) {
  if (!authorization?.startsWith('Bearer ')) return false;
  const token = authorization.slice(7);
  const dot = token.lastIndexOf('.');
  return cryptoVerify(
    'sha256',
    Buffer.from(token.slice(0, dot)),
    publicKey,
    Buffer.from(token.slice(dot + 1), 'base64url'),
  );
}

async function redisStore() {
  const { default: Redis } = await import('ioredis');
  const { createRedisStore } = await import('@scopegate/redis');
  const client = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: false });
  return createRedisStore({
    sendCommand: (...args) => client.call(...args),
    prefix: `scopegate:bench:${process.pid}:`,
  });
}

// `scopegate-nocache`: the token cache off, to show what keeping each new token for its next
// request costs a first sight (distinct tokens only; a repeated token needs the cache).
const cacheOption = (kind) => (kind === 'scopegate-nocache' ? { tokenCache: false } : {});

const rateLimit = async (redis) => ({
  // Every client limited (a high limit so the benchmark measures the cost, not rejections).
  defaultPerMinute: 1_000_000_000,
  ...(redis ? { store: await redisStore() } : {}),
});

async function expressApp(kind) {
  const { default: express } = await import('express');
  const app = express();
  app.disable('x-powered-by');
  if (kind === 'bare') {
    app.get('/data', (_req, res) => res.json(body));
  } else if (kind === 'layers') {
    // What Express charges for the shape scopegate's usage gives a route: one app-level
    // middleware (auth) and one route-level one (requireScopes), doing no checks at all but
    // setting the same two rate-limit headers and req.auth.
    app.use((req, res, next) => {
      req.auth = referenceAuth;
      res.setHeader('ratelimit-policy', REFERENCE_HEADERS['ratelimit-policy']);
      res.setHeader('ratelimit', REFERENCE_HEADERS.ratelimit);
      next();
    });
    app.get(
      '/data',
      (_req, _res, next) => next(),
      (_req, res) => res.json(body),
    );
  } else if (kind === 'crypto') {
    app.get('/data', (req, res) =>
      bareVerify(req.headers.authorization) ? res.json(body) : res.status(401).end(),
    );
  } else if (kind === 'crypto-layers') {
    // The crypto route's one verify, in the shape of 'layers': what the distinct-token target
    // would cost if scopegate did nothing but the signature check.
    app.use((req, res, next) => {
      if (!bareVerify(req.headers.authorization)) return void res.status(401).end();
      req.auth = referenceAuth;
      res.setHeader('ratelimit-policy', REFERENCE_HEADERS['ratelimit-policy']);
      res.setHeader('ratelimit', REFERENCE_HEADERS.ratelimit);
      next();
    });
    app.get(
      '/data',
      (_req, _res, next) => next(),
      (_req, res) => res.json(body),
    );
  } else if (kind === 'oauth2-jwt-bearer') {
    const { auth, requiredScopes } = await import('express-oauth2-jwt-bearer');
    const jwks = await jwksServer();
    app.use(auth({ issuer: ISSUER, audience: AUDIENCE, jwksUri: jwks, tokenSigningAlg: config.alg }));
    app.get('/data', requiredScopes('data:read'), (_req, res) => res.json(body));
    // Its errors carry status and headers; answer with them instead of Express's logging default handler.
    app.use((error, _req, res, _next) => {
      res.status(error.status ?? 500);
      for (const [name, value] of Object.entries(error.headers ?? {})) res.setHeader(name, value);
      res.end();
    });
  } else {
    const { auth, requireScopes } = await import('@scopegate/express');
    app.use(
      auth({
        issuer: ISSUER,
        audience: AUDIENCE,
        jwks: config.jwks,
        rateLimit: await rateLimit(kind === 'scopegate-redis'),
        ...cacheOption(kind),
      }),
    );
    app.get('/data', requireScopes('data:read'), (_req, res) => res.json(body));
  }
  return createServer(app);
}

async function fastifyApp(kind) {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  if (kind === 'bare') {
    app.get('/data', async () => body);
  } else if (kind === 'hook') {
    // What Fastify charges for an onRequest hook that does no checks but sets request.auth
    // and the same two rate-limit headers.
    app.decorateRequest('auth', null);
    app.addHook('onRequest', (request, reply, done) => {
      request.auth = referenceAuth;
      reply.headers(REFERENCE_HEADERS);
      done();
    });
    app.get('/data', async () => body);
  } else if (kind === 'crypto') {
    app.get('/data', async (req, reply) =>
      bareVerify(req.headers.authorization) ? body : reply.code(401).send(),
    );
  } else if (kind === 'crypto-hook') {
    // The crypto route's one verify, in the shape of 'hook' (see express 'crypto-layers').
    app.decorateRequest('auth', null);
    app.addHook('onRequest', (request, reply, done) => {
      if (!bareVerify(request.headers.authorization)) return void reply.code(401).send();
      request.auth = referenceAuth;
      reply.headers(REFERENCE_HEADERS);
      done();
    });
    app.get('/data', async () => body);
  } else if (kind === 'fastify-jwt' || kind === 'fastify-jwt-jwks') {
    const { default: fastifyJwt } = await import('@fastify/jwt');
    const verify = { algorithms: [config.alg], allowedIss: ISSUER, allowedAud: AUDIENCE };
    if (kind === 'fastify-jwt') {
      // The key given as a PEM: the cheapest setup, and the target's peer.
      await app.register(fastifyJwt, { secret: { public: config.pem, private: 'unused' }, verify });
    } else {
      // The keys from the issuer's JWKS, as scopegate and express-oauth2-jwt-bearer get them
      // here: get-jwks fetches and caches them, as @fastify/jwt's README sets it up.
      const { default: buildGetJwks } = await import('get-jwks');
      const getJwks = buildGetJwks();
      const domain = new URL(await jwksServer()).origin;
      await app.register(fastifyJwt, {
        decode: { complete: true },
        secret: (_request, token) =>
          getJwks.getPublicKey({ kid: token.header.kid, alg: token.header.alg, domain }),
        verify,
      });
    }
    app.get(
      '/data',
      {
        onRequest: async (req, reply) => {
          await req.jwtVerify();
          if (
            !String(req.user.scope ?? '')
              .split(' ')
              .includes('data:read')
          )
            reply.code(403).send();
        },
      },
      async () => body,
    );
  } else {
    const { default: scopegate } = await import('@scopegate/fastify');
    await app.register(scopegate, {
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: config.jwks,
      rateLimit: await rateLimit(kind === 'scopegate-redis'),
      ...cacheOption(kind),
    });
    app.get('/data', { config: { scopes: ['data:read'] } }, async () => body);
  }
  await app.listen({ host: '127.0.0.1', port: 0 });
  return app.server;
}

// express-oauth2-jwt-bearer only takes keys from a URL: serve them on loopback.
async function jwksServer() {
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(config.jwks));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${server.address().port}/jwks.json`;
}

const [framework, ...rest] = variant.split(':');
const kind = rest.join(':');
const server = framework === 'express' ? await expressApp(kind) : await fastifyApp(kind);
if (!server.listening) await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
writeSync(1, `PORT ${server.address().port}\n`);
// CPU time used so far (microseconds, user + system) and minor page faults, on request: the
// parent takes them before and after a load to report server CPU per request, a figure that
// machine noise disturbs much less than requests per second, and page faults per request
// (each one a first touch of a fresh page of memory, which costs several microseconds on
// some virtual machines).
// Written with writeSync, not process.stdout: a stdout stream write between warm-up and
// measurement runs the stream code the server's sockets use with another kind of stream, and
// V8 then deoptimized some of it (wrong map) and recompiled it while being measured.
process.on('SIGUSR2', () => {
  const { userCPUTime, systemCPUTime, minorPageFault } = process.resourceUsage();
  writeSync(1, `CPU ${userCPUTime + systemCPUTime} ${minorPageFault}\n`);
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
