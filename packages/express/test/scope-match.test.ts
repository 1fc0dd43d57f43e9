/** The verifier's scopeMatch applies to requireScopes when auth() reuses an existing verifier. */
import { createVerifier } from '@scopegate/core';
import express from 'express';
import request from 'supertest';
import { beforeAll, it } from 'vitest';
import { auth, requireScopes } from '../src/index.js';
import { AUDIENCE, clientClaims, ISSUER, makeKey, signWith, type TestKey } from './helpers/tokens.js';

let key: TestKey;
beforeAll(async () => {
  key = await makeKey('k1');
});

it('auth({ verifier }) with scopeMatch wildcard lets data:* satisfy requireScopes(data:read)', async () => {
  const verifier = createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwks: { keys: [key.jwk] },
    scopeMatch: 'wildcard',
  });
  const app = express();
  app.use(auth({ verifier }));
  app.get('/data', requireScopes('data:read'), (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/admin', requireScopes('admin:read'), (_req, res) => {
    res.json({ ok: true });
  });
  const token = await signWith(key, clientClaims('svc-w', 'data:*'));
  await request(app).get('/data').set('authorization', `Bearer ${token}`).expect(200);
  await request(app).get('/admin').set('authorization', `Bearer ${token}`).expect(403);
});
