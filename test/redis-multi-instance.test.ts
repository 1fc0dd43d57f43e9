/**
 * Two API instances, one Express and one Fastify, each with its own Redis
 * connection (ioredis and node-redis) and its own `createRedisStore`, share
 * one Redis: a client limited to 10 per minute gets exactly 10 requests
 * through in total, whichever instance each request reaches.
 */
import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { JwkSet } from '@scopegate/core';
import { auth, requireScopes } from '@scopegate/express';
import scopegate from '@scopegate/fastify';
import { createRedisStore } from '@scopegate/redis';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectIoredis,
  connectNodeRedis,
  deleteKeys,
  type PrivateRedis,
  requireSharedRedis,
  startPrivateRedis,
  type TestClient,
  uniquePrefix,
} from '../packages/redis/test/redis-test-helpers.js';
import { type ClientTokenIssuer, createClientTokenIssuer } from './support/client-token-issuer.js';

// test/ has no @types/express: load Express untyped and describe the little used
// here with the adapter's own (fully typed) handler type.
type Handler = ReturnType<typeof auth>;
interface ExpressApp extends RequestListener {
  use(handler: Handler): unknown;
  get(path: string, ...handlers: Handler[]): unknown;
}
const express = createRequire(import.meta.url)('express') as () => ExpressApp;

const available = await requireSharedRedis();

const ISSUER = 'https://issuer.multi-instance.test/';
const AUDIENCE = 'https://api.multi-instance.test';
const LIMITED = 'limited-client';
const OTHER = 'other-client';

describe.skipIf(!available)('several API instances sharing one Redis store', () => {
  const prefix = uniquePrefix();
  let issuer: ClientTokenIssuer;
  const jwksOf = async (): Promise<JwkSet> => issuer.jwks;
  let ioredis: TestClient;
  let nodeRedis: TestClient;
  let expressServer: Server;
  let fastifyApp: FastifyInstance;
  let urls: string[];

  const token = (clientId: string): Promise<string> => issuer.token(clientId);

  beforeAll(async () => {
    issuer = await createClientTokenIssuer(ISSUER, AUDIENCE);
    const jwks = await jwksOf();
    const verifierOptions = { issuer: ISSUER, audience: AUDIENCE, jwks };
    const clientMetadata = {
      [LIMITED]: { rate_limit_per_minute: 10 },
      [OTHER]: { rate_limit_per_minute: 3 },
    };

    // Instance 1: Express over ioredis.
    ioredis = await connectIoredis();
    const app = express();
    app.use(
      auth({
        ...verifierOptions,
        rateLimit: { clientMetadata, store: createRedisStore({ sendCommand: ioredis.sendCommand, prefix }) },
      }),
    );
    app.get('/data', requireScopes('data:read'), (req, res) => {
      res.json({ instance: 'express', client: req.auth?.clientId });
    });
    expressServer = createServer(app);
    expressServer.listen(0, '127.0.0.1');
    await once(expressServer, 'listening');

    // Instance 2: Fastify over node-redis.
    nodeRedis = await connectNodeRedis();
    fastifyApp = Fastify();
    await fastifyApp.register(scopegate, {
      ...verifierOptions,
      rateLimit: { clientMetadata, store: createRedisStore({ sendCommand: nodeRedis.sendCommand, prefix }) },
    });
    fastifyApp.get('/data', { config: { scopes: ['data:read'] } }, async (request) => ({
      instance: 'fastify',
      client: request.auth?.clientId,
    }));
    await fastifyApp.listen({ host: '127.0.0.1', port: 0 });

    const expressPort = (expressServer.address() as AddressInfo).port;
    const fastifyPort = (fastifyApp.server.address() as AddressInfo).port;
    urls = [`http://127.0.0.1:${expressPort}/data`, `http://127.0.0.1:${fastifyPort}/data`];
  });

  afterAll(async () => {
    await fastifyApp?.close();
    if (expressServer) await new Promise<void>((resolve) => expressServer.close(() => resolve()));
    if (ioredis) await deleteKeys(ioredis.sendCommand, prefix);
    await ioredis?.close();
    await nodeRedis?.close();
  });

  it('a client limited to 10/min sending 30 requests alternating between them gets exactly 10 through', async () => {
    const bearer = `Bearer ${await token(LIMITED)}`;
    const responses: { status: number; instance: string; headers: Headers; body: Record<string, unknown> }[] =
      [];
    for (let i = 0; i < 30; i++) {
      const response = await fetch(urls[i % 2] as string, { headers: { authorization: bearer } });
      responses.push({
        status: response.status,
        instance: i % 2 === 0 ? 'express' : 'fastify',
        headers: response.headers,
        body: (await response.json()) as Record<string, unknown>,
      });
    }
    expect(responses.filter((r) => r.status === 200)).toHaveLength(10);
    expect(responses.filter((r) => r.status === 429)).toHaveLength(20);
    // The first 10 pass, 5 on each instance; everything after is refused on both.
    expect(responses.map((r) => r.status)).toEqual([...Array(10).fill(200), ...Array(20).fill(429)]);
    for (const r of responses.slice(0, 10)) expect(r.body).toEqual({ instance: r.instance, client: LIMITED });
    // Both instances report the shared count: remaining 9, 8, …, 0 across them.
    expect(responses.slice(0, 10).map((r) => r.headers.get('ratelimit'))).toEqual(
      Array.from({ length: 10 }, (_, i) => expect.stringMatching(new RegExp(`^"client";r=${9 - i};t=\\d+$`))),
    );
    for (const r of responses.slice(10)) {
      expect(r.body).toEqual({ error: 'rate_limited', error_description: expect.any(String) });
      const retryAfter = Number(r.headers.get('retry-after'));
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(65);
      expect(r.headers.get('ratelimit-policy')).toBe('"client";q=10;w=60');
      expect(r.headers.get('www-authenticate')).toBeNull();
    }
  });

  it('counts exactly under concurrency across both instances, and clients stay independent', async () => {
    const bearer = `Bearer ${await token(OTHER)}`;
    const statuses = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        fetch(urls[i % 2] as string, { headers: { authorization: bearer } }).then(async (response) => {
          await response.arrayBuffer();
          return response.status;
        }),
      ),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(9);
    // The exhausted LIMITED client from the first test is still refused on both instances.
    const limited = `Bearer ${await token(LIMITED)}`;
    for (const url of urls) {
      expect((await fetch(url, { headers: { authorization: limited } })).status).toBe(429);
    }
  });

  it('Redis down: the fail-open instance answers 200, the fail-closed one 503 with Retry-After', async () => {
    let server: PrivateRedis | undefined;
    let redis: TestClient | undefined;
    let open: FastifyInstance | undefined;
    let closed: FastifyInstance | undefined;
    try {
      server = await startPrivateRedis();
      redis = await connectIoredis({ port: server.port });
      const make = async (onError: 'allow' | 'reject') => {
        const app = Fastify();
        await app.register(scopegate, {
          issuer: ISSUER,
          audience: AUDIENCE,
          jwks: await jwksOf(),
          rateLimit: {
            defaultPerMinute: 5,
            store: createRedisStore({ sendCommand: (redis as TestClient).sendCommand, onError }),
          },
        });
        app.get('/data', async () => ({ ok: true }));
        return app;
      };
      open = await make('allow');
      closed = await make('reject');
      const authorization = `Bearer ${await token('outage-client')}`;
      expect((await open.inject({ url: '/data', headers: { authorization } })).statusCode).toBe(200);

      await server.kill();
      const allowed = await open.inject({ url: '/data', headers: { authorization } });
      expect(allowed.statusCode).toBe(200);
      const refused = await closed.inject({ url: '/data', headers: { authorization } });
      expect(refused.statusCode).toBe(503);
      expect(refused.headers['retry-after']).toBe('5');
      expect(refused.headers['www-authenticate']).toBeUndefined();
      expect(refused.json()).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'the rate-limit store is temporarily unavailable',
      });
    } finally {
      await open?.close();
      await closed?.close();
      await redis?.close();
      await server?.kill();
    }
  });

  it('a request rejected for its token is not counted', async () => {
    const response = await fetch(urls[0] as string, { headers: { authorization: 'Bearer not.a.jwt' } });
    expect(response.status).toBe(401);
    expect(response.headers.get('ratelimit')).toBeNull();
  });
});
