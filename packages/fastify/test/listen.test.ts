/**
 * A real listening Fastify server (fetch over TCP), with keys from a real
 * JWKS endpoint on 127.0.0.1, and the 503 row: keys unobtainable.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import scopegate from '../src/index.js';
import { AUDIENCE, createTestIssuer, ISSUER, type TestIssuer } from './helpers.js';

let issuer: TestIssuer;
let jwksServer: Server;
let jwksRequests = 0;
let app: FastifyInstance;
let baseUrl: string;
let down: FastifyInstance;
let downUrl: string;

const listen = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );

beforeAll(async () => {
  issuer = await createTestIssuer();
  jwksServer = createServer((_req, res) => {
    jwksRequests += 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(issuer.jwks));
  });
  const jwksPort = await listen(jwksServer);

  app = Fastify();
  await app.register(scopegate, {
    issuer: ISSUER,
    audience: AUDIENCE,
    jwksUri: `http://127.0.0.1:${jwksPort}/jwks.json`,
  });
  app.get('/data', { config: { scopes: ['data:read'] } }, async (request) => ({
    client: request.auth?.clientId,
  }));
  app.get('/admin', { config: { scopes: ['admin'] } }, async () => 'never');
  baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });

  // A port that was just bound and released: connections to it are refused.
  const closed = createServer();
  const closedPort = await listen(closed);
  await new Promise((resolve) => closed.close(resolve));
  down = Fastify();
  await down.register(scopegate, {
    issuer: ISSUER,
    audience: AUDIENCE,
    jwksUri: `http://127.0.0.1:${closedPort}/jwks.json`,
    jwksCache: { timeoutMs: 2000 },
  });
  down.get('/data', async () => 'never');
  downUrl = await down.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await Promise.all([app?.close(), down?.close()]);
  await new Promise((resolve) => jwksServer?.close(resolve));
});

describe('over a real socket', () => {
  it('a valid token reaches the handler; keys come from the JWKS endpoint', async () => {
    const res = await fetch(`${baseUrl}/data`, {
      headers: { authorization: `Bearer ${await issuer.sign()}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ client: 'svc-a' });
    expect(jwksRequests).toBe(1);
  });

  it('no token: 401 with a bare challenge', async () => {
    const res = await fetch(`${baseUrl}/data`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="api"');
    expect(((await res.json()) as { error: string }).error).toBe('unauthorized');
  });

  it('missing scope: 403 with the scope list', async () => {
    const res = await fetch(`${baseUrl}/admin`, {
      headers: { authorization: `Bearer ${await issuer.sign()}` },
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer realm="api", error="insufficient_scope", scope="admin"',
    );
    expect(((await res.json()) as { error: string }).error).toBe('insufficient_scope');
  });

  it('keys unobtainable (JWKS port closed): 503 with Retry-After and no challenge', async () => {
    const res = await fetch(`${downUrl}/data`, {
      headers: { authorization: `Bearer ${await issuer.sign()}` },
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('www-authenticate')).toBeNull();
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = (await res.json()) as { error: string; error_description: unknown };
    expect(body.error).toBe('temporarily_unavailable');
    expect(typeof body.error_description).toBe('string');
  });

  it('keys unobtainable still gives 401 (not 503) for a request without a token', async () => {
    const res = await fetch(`${downUrl}/data`);
    expect(res.status).toBe(401);
  });
});
