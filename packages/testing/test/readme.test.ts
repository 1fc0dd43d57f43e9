/**
 * The README's snippets, as written: the Express app under supertest, the
 * Fastify app under inject, the table-driven refusal loop, rotation and
 * listen(), each against the real adapters and verifier.
 */
import { createVerifier } from '@scopegate/core';
import { auth, requireScopes, requireSubjectType } from '@scopegate/express';
import scopegate from '@scopegate/fastify';
import express, { type Express } from 'express';
import Fastify from 'fastify';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  createTestIssuer,
  INVALID_TOKEN_KINDS,
  INVALID_TOKEN_REASONS,
  type TestIssuer,
} from '../src/index.js';
import { expectRefused } from './helpers.js';

describe('README: Express, with supertest', () => {
  let idp: TestIssuer;
  let app: Express;
  beforeAll(async () => {
    idp = await createTestIssuer(); // iss https://issuer.test/, aud https://api.test, one RS256 key
    app = express();
    app.use(auth({ ...idp.verifierOptions })); // in production: auth({ issuer, audience })
    app.get('/data', requireScopes('data:read'), (req, res) => {
      res.json({ client: req.auth?.clientId });
    });
    app.post('/sync', requireSubjectType('client'), (_req, res) => {
      res.json({ ok: true });
    });
  });

  it('lets a client with data:read in', async () => {
    const token = await idp.clientToken('nightly-data-sync', 'data:read');
    const res = await request(app).get('/data').set(bearer(token)).expect(200);
    expect(res.body).toEqual({ client: 'nightly-data-sync' });
  });

  it('answers 403 without the scope, and to people on a machines-only route', async () => {
    await request(app)
      .get('/data')
      .set(bearer(await idp.clientToken('reporting', 'reports:read')))
      .expect(403);
    await request(app)
      .post('/sync')
      .set(bearer(await idp.userToken('alice', 'data:read')))
      .expect(403);
    // and a machine with the scope gets through
    await request(app)
      .post('/sync')
      .set(bearer(await idp.clientToken('nightly-data-sync')))
      .expect(200);
  });

  it.each(INVALID_TOKEN_KINDS)('answers 401 to a %s token', async (kind) => {
    const token = await idp.invalidToken(kind, { scopes: 'data:read' });
    const res = await request(app).get('/data').set(bearer(token)).expect(401);
    expect(res.body.error).toBe('invalid_token');
  });
});

describe('README: Fastify, with inject', () => {
  it('answers 200 with the client id', async () => {
    const idp = await createTestIssuer();
    const app = Fastify();
    await app.register(scopegate, { ...idp.verifierOptions });
    app.get('/data', { config: { scopes: ['data:read'] } }, async (request) => ({
      client: request.auth?.clientId,
    }));

    const token = await idp.clientToken('nightly-data-sync', 'data:read');
    const res = await app.inject({ url: '/data', headers: bearer(token) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ client: 'nightly-data-sync' });

    const user = await app.inject({ url: '/data', headers: bearer(await idp.userToken('alice')) });
    expect(user.statusCode).toBe(403);
    const forged = await app.inject({ url: '/data', headers: bearer(await idp.invalidToken('forged')) });
    expect(forged.statusCode).toBe(401);
    expect(forged.headers['www-authenticate']).toMatch(/error="invalid_token"/);
    await app.close();
  });
});

describe('README: refusals, rotation, listen()', () => {
  let idp: TestIssuer;
  beforeAll(async () => {
    idp = await createTestIssuer({ alg: 'ES256' });
  });

  it('the table-driven refusal loop', async () => {
    const verifier = createVerifier({ ...idp.verifierOptions });
    for (const kind of INVALID_TOKEN_KINDS) {
      await expect(verifier.verify(await idp.invalidToken(kind))).rejects.toMatchObject({
        status: 401,
        code: 'invalid_token',
        reason: INVALID_TOKEN_REASONS[kind],
      });
    }
  });

  it('the other refusals are a mint option away', async () => {
    const verifier = createVerifier({ ...idp.verifierOptions });
    await expectRefused(
      verifier.verify(await idp.clientToken('svc', undefined, undefined, { omit: ['exp'] })),
      'claim',
    );
    const strict = createVerifier({ ...idp.verifierOptions, typ: 'at+jwt' });
    await expectRefused(
      strict.verify(await idp.clientToken('svc', undefined, undefined, { header: { typ: 'JWT' } })),
      'typ',
    );
    await expectRefused(
      verifier.verify(
        await idp.clientToken('svc', undefined, undefined, { header: { crit: ['urn:x'], 'urn:x': 1 } }),
      ),
      'crit',
    );
  });

  it('key rotation', async () => {
    const oldToken = await idp.clientToken('svc', 'data:read');
    const newKid = await idp.rotateKeys(); // keepOld: true by default
    expect(idp.kid).toBe(newKid);
    expect(idp.jwks.keys[0]?.kid).toBe(newKid);
    await expect(createVerifier({ ...idp.verifierOptions }).verify(oldToken)).resolves.toBeDefined();
    await idp.rotateKeys({ keepOld: false });
    await expectRefused(createVerifier({ ...idp.verifierOptions }).verify(oldToken), 'kid');
  });

  it('listen()', async () => {
    const server = await idp.listen();
    try {
      expect(server.url).toBe(server.issuer);
      expect(server.jwksUri).toBe(`${server.url}jwks.json`);
      for (const options of [
        { ...server.verifierOptions },
        { issuer: server.issuer, audience: server.audience },
      ]) {
        const app = express();
        app.use(auth(options));
        app.get('/data', requireScopes('data:read'), (req, res) => {
          res.json({ iss: req.auth?.issuer });
        });
        const token = await server.clientToken('svc', 'data:read'); // iss: server.issuer
        const res = await request(app).get('/data').set(bearer(token)).expect(200);
        expect(res.body).toEqual({ iss: server.issuer });
      }
    } finally {
      await server.close();
    }
  });
});
