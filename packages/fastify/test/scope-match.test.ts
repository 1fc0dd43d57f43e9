/** The verifier's scopeMatch applies to route requirements, whichever way the verifier is supplied. */
import { createVerifier } from '@scopegate/core';
import Fastify from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import scopegate from '../src/index.js';
import { bearer, createTestIssuer, type TestIssuer } from './helpers.js';

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});

describe.each([
  ['inline options', () => ({ ...issuer.verifierOptions, scopeMatch: 'wildcard' as const })],
  [
    'an existing verifier',
    () => ({ verifier: createVerifier({ ...issuer.verifierOptions, scopeMatch: 'wildcard' }) }),
  ],
])('scopeMatch: wildcard given through %s', (_name, options) => {
  it('lets a granted data:* satisfy config.scopes and app.requireScopes, and nothing outside data:', async () => {
    const app = Fastify();
    await app.register(scopegate, options());
    app.get('/data', { config: { scopes: ['data:read'] } }, async () => 'ok');
    app.get('/decorated', { onRequest: app.requireScopes('data:write') }, async () => 'ok');
    app.get('/admin', { config: { scopes: ['admin:read'] } }, async () => 'ok');
    const token = await issuer.client('svc-w', 'data:*');
    expect((await app.inject({ url: '/data', headers: bearer(token) })).statusCode).toBe(200);
    expect((await app.inject({ url: '/decorated', headers: bearer(token) })).statusCode).toBe(200);
    const denied = await app.inject({ url: '/admin', headers: bearer(token) });
    expect(denied.statusCode).toBe(403);
    expect(denied.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", scope="admin:read"',
    );
    await app.close();
  });
});

it('matches exactly by default: data:* does not satisfy data:read', async () => {
  const app = Fastify();
  await app.register(scopegate, issuer.verifierOptions);
  app.get('/data', { config: { scopes: ['data:read'] } }, async () => 'ok');
  const token = await issuer.client('svc-w', 'data:*');
  expect((await app.inject({ url: '/data', headers: bearer(token) })).statusCode).toBe(403);
  await app.close();
});
