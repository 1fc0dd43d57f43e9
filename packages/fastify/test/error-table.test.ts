/** Each row of the contract's error table, through app.inject. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AUDIENCE,
  bearer,
  buildApp,
  createTestIssuer,
  ISSUER,
  type TestIssuer,
  unsignedToken,
} from './helpers.js';

let issuer: TestIssuer;
let app: FastifyInstance;

beforeAll(async () => {
  issuer = await createTestIssuer();
  app = await buildApp({ ...issuer.verifierOptions });
});
afterAll(async () => {
  await app.close();
});

const get = (url: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'GET', url, headers });

async function expectInvalidToken(token: string, check: RegExp) {
  const res = await get('/data', bearer(token));
  expect(res.statusCode).toBe(401);
  const body = res.json();
  expect(body.error).toBe('invalid_token');
  expect(body.error_description).toMatch(check);
  expect(Object.keys(body).sort()).toEqual(['error', 'error_description']);
  const challenge = res.headers['www-authenticate'];
  expect(challenge).toMatch(/^Bearer realm="api", error="invalid_token", error_description="[^"]+"$/);
  expect(res.body).not.toContain(token);
  return res;
}

describe('contract error table (Fastify)', () => {
  it('a valid token passes and request.auth is set', async () => {
    const res = await get('/data', bearer(await issuer.sign()));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true, auth: true });
    expect(res.headers['www-authenticate']).toBeUndefined();
  });

  it('no token: 401, challenge without an error attribute', async () => {
    const res = await get('/data');
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api"');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json();
    expect(body.error).toBe('unauthorized');
    expect(typeof body.error_description).toBe('string');
  });

  it('another scheme (Basic) counts as no bearer token: 401 without error', async () => {
    const res = await get('/data', { authorization: 'Basic dXNlcjpwYXNz' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api"');
  });

  it.each([
    ['Bearer', 'scheme without token'],
    ['Bearer a b', 'two tokens'],
    ['Bearer tok,en', 'invalid characters'],
  ])('malformed Authorization header (%s): 400 invalid_request', async (authorization) => {
    const res = await get('/data', { authorization });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('invalid_request');
    expect(res.headers['www-authenticate']).toMatch(
      /^Bearer realm="api", error="invalid_request", error_description="/,
    );
  });

  it('token in two places (query access_token + header): 400 invalid_request', async () => {
    const token = await issuer.sign();
    const res = await get(`/data?access_token=${token}`, bearer(token));
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error).toBe('invalid_request');
    expect(body.error_description).toMatch(/more than one place/);
    expect(res.headers['www-authenticate']).toMatch(/error="invalid_request"/);
  });

  it('bad signature: 401 invalid_token naming the signature', async () => {
    await expectInvalidToken(await issuer.sign({}, { foreignKey: true }), /signature/);
  });

  it('expired: 401 invalid_token naming exp', async () => {
    await expectInvalidToken(await issuer.sign({}, { expiresIn: -3600 }), /exp/);
  });

  it('wrong issuer: 401 invalid_token naming iss', async () => {
    await expectInvalidToken(await issuer.sign({ iss: 'https://evil.test/' }), /iss/);
  });

  it('wrong audience: 401 invalid_token naming aud', async () => {
    await expectInvalidToken(await issuer.sign({ aud: 'https://other-api.test' }), /aud/);
  });

  it('unknown kid: 401 invalid_token naming kid', async () => {
    await expectInvalidToken(await issuer.sign({}, { kid: 'nope', foreignKey: true }), /kid/);
  });

  it('alg none: 401 invalid_token naming alg', async () => {
    await expectInvalidToken(unsignedToken(), /alg/);
  });

  it('a garbage token: 401 invalid_token', async () => {
    const res = await get('/data', bearer('not.a.jwt'));
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toBe('invalid_token');
  });

  it('missing scope: 403 insufficient_scope with scope="a b"', async () => {
    const res = await get('/scoped', bearer(await issuer.sign({ scope: 'data:read' })));
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toBe('insufficient_scope');
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", scope="data:read data:write"',
    );
  });

  it('the realm option is used in every challenge', async () => {
    const custom = await buildApp({ ...issuer.verifierOptions, realm: 'reports' });
    try {
      const res = await custom.inject({ url: '/data' });
      expect(res.headers['www-authenticate']).toBe('Bearer realm="reports"');
    } finally {
      await custom.close();
    }
  });

  it('sanity: the fixtures use the configured issuer and audience', () => {
    expect(issuer.verifierOptions).toMatchObject({ issuer: ISSUER, audience: AUDIENCE });
  });
});
