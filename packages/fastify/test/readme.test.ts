/** The README's quick start and restyling snippet, as written (static keys instead of discovery). */
import { isScopegateError } from '@scopegate/core';
import Fastify from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import scopegate from '../src/index.js';
import { bearer, createTestIssuer, type TestIssuer } from './helpers.js';

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});

describe('README', () => {
  it('quick start', async () => {
    const app = Fastify();
    await app.register(scopegate, {
      ...issuer.verifierOptions,
      rateLimit: {
        clientMetadata: { 'nightly-data-sync': { rate_limit_per_minute: 600 } },
        defaultPerMinute: 60,
      },
    });
    app.get('/data', { config: { scopes: ['data:read'] } }, async (request) => ({
      client: request.auth?.clientId,
    }));
    app.post('/data', { config: { scopes: ['data:read', 'data:write'] } }, async () => ({ saved: true }));
    app.get('/reports', { config: { anyScope: ['reports:read', 'admin'] } }, async () => []);
    app.post('/sync', { config: { subjectType: 'client' } }, async () => ({ ok: true }));
    app.get('/health', { config: { auth: false } }, async () => ({ ok: true }));
    app.get('/x', { onRequest: app.requireScopes('data:read') }, async () => 'x');

    const none = await app.inject({ url: '/data' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="api"');
    expect(none.json()).toEqual({ error: 'unauthorized', error_description: 'a bearer token is required' });

    const sync = await issuer.client('nightly-data-sync', 'data:read');
    const ok = await app.inject({ url: '/data', headers: bearer(sync) });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ client: 'nightly-data-sync' });
    expect(ok.headers['ratelimit-policy']).toBe('"client";q=600;w=60');
    expect(ok.headers['ratelimit']).toMatch(/^"client";r=599;t=\d+$/);

    const other = await app.inject({ url: '/x', headers: bearer(await issuer.client('svc-z', 'data:read')) });
    expect(other.statusCode).toBe(200);
    expect(other.headers['ratelimit-policy']).toBe('"client";q=60;w=60');

    expect((await app.inject({ method: 'POST', url: '/data', headers: bearer(sync) })).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url: '/sync', headers: bearer(sync) })).statusCode).toBe(200);
    expect(
      (await app.inject({ method: 'POST', url: '/sync', headers: bearer(await issuer.user()) })).statusCode,
    ).toBe(403);
    expect((await app.inject({ url: '/reports', headers: bearer(sync) })).statusCode).toBe(403);
    expect((await app.inject({ url: '/health' })).json()).toEqual({ ok: true });
    await app.close();
  });

  it('restyling with setErrorHandler', async () => {
    const app = Fastify();
    await app.register(scopegate, { ...issuer.verifierOptions });
    app.setErrorHandler((error, _request, reply) => {
      if (isScopegateError(error)) {
        return reply
          .code(error.statusCode)
          .type('application/problem+json')
          .send({
            type: `https://errors.example.com/${error.code}`,
            title: error.message,
            status: error.statusCode,
          });
      }
      reply.send(error);
    });
    app.get('/data', async () => 'ok');
    app.get('/boom', async () => {
      throw new Error('boom');
    });

    const res = await app.inject({
      url: '/data',
      headers: bearer(await issuer.sign({}, { expiresIn: -600 })),
    });
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="api", error="invalid_token"/);
    expect(res.json()).toEqual({
      type: 'https://errors.example.com/invalid_token',
      title: expect.stringMatching(/exp/),
      status: 401,
    });
    const boom = await app.inject({ url: '/boom', headers: bearer(await issuer.sign()) });
    expect(boom.statusCode).toBe(500);
    expect(boom.json().message).toBe('boom');
    await app.close();
  });
});
