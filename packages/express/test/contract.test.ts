/**
 * The contract's error table and the middleware semantics, over HTTP with
 * supertest, on Express 5 and Express 4. Keys are static (no network) except
 * for the 503 row, which points `jwksUri` at a closed loopback port.
 */
import type { ErrorRequestHandler } from 'express';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  auth,
  type ExpressScopegateError,
  isScopegateError,
  requireScopes,
  requireSubjectType,
} from '../src/index.js';
import { addRoutes, authApp, frameworks } from './helpers/app.js';
import {
  AUDIENCE,
  clientClaims,
  closedPortUrl,
  ISSUER,
  makeKey,
  signWith,
  type TestKey,
  unsignedToken,
  userClaims,
} from './helpers/tokens.js';

let key: TestKey;
let otherKey: TestKey;
let jwks: { keys: TestKey['jwk'][] };
let readToken: string;
let readWriteToken: string;
let reportsToken: string;
let adminToken: string;
let userToken: string;

beforeAll(async () => {
  key = await makeKey('k1');
  otherKey = await makeKey('k1'); // same kid, different key: a forged signature
  jwks = { keys: [key.jwk] };
  readToken = await signWith(key, clientClaims('svc-read', 'data:read'));
  readWriteToken = await signWith(key, clientClaims('svc-rw', 'data:read data:write'));
  reportsToken = await signWith(key, clientClaims('svc-reports', 'reports:read'));
  adminToken = await signWith(key, clientClaims('svc-admin', 'admin'));
  userToken = await signWith(key, userClaims('alice', 'data:read data:write reports:read'));
});

const bearer = (token: string) => `Bearer ${token}`;
/** RFC 7235 quoted-string content, as in a WWW-Authenticate parameter. */
const quoted = (text: string) => text.replace(/["\\]/g, '\\$&');
const options = () => ({ issuer: ISSUER, audience: AUDIENCE, jwks });

/** Asserts a 401 invalid_token whose description names `check`. */
function expectInvalidToken(res: request.Response, check: RegExp): void {
  expect(res.status).toBe(401);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body.error).toBe('invalid_token');
  expect(res.body.error_description).toMatch(check);
  expect(res.headers['www-authenticate']).toBe(
    `Bearer realm="api", error="invalid_token", error_description="${quoted(res.body.error_description)}"`,
  );
  expect(JSON.stringify(res.body)).not.toContain('eyJ');
}

describe.each(frameworks)('%s: contract error table', (_name, express) => {
  it('no token: 401, challenge without error attribute, body error "unauthorized"', async () => {
    const res = await request(authApp(express, options())).get('/whoami');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api"');
    expect(res.body.error).toBe('unauthorized');
    expect(typeof res.body.error_description).toBe('string');
    expect(Object.keys(res.body).sort()).toEqual(['error', 'error_description']);
  });

  it('valid token: 200 and req.auth set', async () => {
    const res = await request(authApp(express, options()))
      .get('/whoami')
      .set('authorization', bearer(readToken));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ subject: 'svc-read', clientId: 'svc-read' });
  });

  it.each([['Basic dXNlcjpwYXNz'], ['Digest username="x"']])(
    'another scheme %j counts as no bearer token: 401 without error attribute',
    async (header) => {
      const res = await request(authApp(express, options())).get('/whoami').set('authorization', header);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="api"');
      expect(res.body.error).toBe('unauthorized');
    },
  );

  it.each([['Bearer'], ['Bearer '], ['Bearer a b'], ['Bearer abc,def']])(
    'malformed Authorization %j: 400 invalid_request',
    async (header) => {
      const res = await request(authApp(express, options())).get('/whoami').set('authorization', header);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
      expect(res.headers['www-authenticate']).toBe(
        `Bearer realm="api", error="invalid_request", error_description="${quoted(res.body.error_description)}"`,
      );
    },
  );

  it('token in header and query: 400 invalid_request', async () => {
    const res = await request(authApp(express, options()))
      .get(`/whoami?access_token=${readToken}`)
      .set('authorization', bearer(readToken));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="api", error="invalid_request"/);
    expect(res.body.error_description).not.toContain(readToken);
  });

  it('token in header and form body: 400 invalid_request', async () => {
    const res = await request(authApp(express, options()))
      .post('/data')
      .set('authorization', bearer(readWriteToken))
      .type('form')
      .send({ access_token: readWriteToken });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
  });

  it('an access_token field in a JSON body is application data, not a second token', async () => {
    const app = express();
    app.use(express.json());
    app.use(auth(options()));
    addRoutes(app);
    const res = await request(app)
      .post('/data')
      .set('authorization', bearer(readWriteToken))
      .send({ access_token: 'not-a-credential' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: 'write' });
  });

  it('bad signature: 401 invalid_token naming the signature', async () => {
    const forged = await signWith(otherKey, clientClaims('svc-read', 'data:read'));
    const res = await request(authApp(express, options()))
      .get('/whoami')
      .set('authorization', bearer(forged));
    expectInvalidToken(res, /signature/);
  });

  it('expired: 401 invalid_token naming exp', async () => {
    const expired = await signWith(
      key,
      clientClaims('svc-read', 'data:read', { exp: Math.floor(Date.now() / 1000) - 60 }),
    );
    const res = await request(authApp(express, options()))
      .get('/whoami')
      .set('authorization', bearer(expired));
    expectInvalidToken(res, /exp/);
  });

  it('wrong issuer: 401 invalid_token naming iss', async () => {
    const token = await signWith(key, clientClaims('svc-read', 'data:read', { iss: 'https://evil.test/' }));
    const res = await request(authApp(express, options())).get('/whoami').set('authorization', bearer(token));
    expectInvalidToken(res, /iss/);
  });

  it('wrong audience: 401 invalid_token naming aud', async () => {
    const token = await signWith(
      key,
      clientClaims('svc-read', 'data:read', { aud: 'https://other-api.test' }),
    );
    const res = await request(authApp(express, options())).get('/whoami').set('authorization', bearer(token));
    expectInvalidToken(res, /aud/);
  });

  it('unknown kid: 401 invalid_token naming kid', async () => {
    const token = await signWith(key, clientClaims('svc-read', 'data:read'), { kid: 'nope' });
    const res = await request(authApp(express, options())).get('/whoami').set('authorization', bearer(token));
    expectInvalidToken(res, /kid/);
  });

  it('alg none: 401 invalid_token naming the algorithm', async () => {
    const res = await request(authApp(express, options()))
      .get('/whoami')
      .set('authorization', bearer(unsignedToken(clientClaims('svc-read', 'data:read'))));
    expectInvalidToken(res, /alg/);
  });

  it('garbage token: 401 invalid_token, never 500', async () => {
    const res = await request(authApp(express, options()))
      .get('/whoami')
      .set('authorization', 'Bearer not.a.jwt');
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_token');
  });

  it('missing scope: 403 insufficient_scope with scope="<required>"', async () => {
    const res = await request(authApp(express, options()))
      .post('/data')
      .set('authorization', bearer(readToken));
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('insufficient_scope');
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", scope="data:read data:write"',
    );
  });

  it('all required scopes: 200', async () => {
    const app = authApp(express, options());
    expect((await request(app).post('/data').set('authorization', bearer(readWriteToken))).body).toEqual({
      ok: 'write',
    });
    expect((await request(app).get('/data').set('authorization', bearer(readToken))).status).toBe(200);
  });

  it('keys unavailable: 503 temporarily_unavailable with Retry-After, no WWW-Authenticate', async () => {
    const jwksUri = await closedPortUrl();
    const res = await request(authApp(express, { issuer: ISSUER, audience: AUDIENCE, jwksUri }))
      .get('/whoami')
      .set('authorization', bearer(readToken));
    expect(res.status).toBe(503);
    expect(res.body.error).toBe('temporarily_unavailable');
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(res.headers['www-authenticate']).toBeUndefined();
  });

  it('a custom realm is used in every challenge', async () => {
    const app = authApp(express, { ...options(), realm: 'orders' });
    expect((await request(app).get('/whoami')).headers['www-authenticate']).toBe('Bearer realm="orders"');
    const res = await request(app).post('/data').set('authorization', bearer(readToken));
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="orders", error="insufficient_scope", scope="data:read data:write"',
    );
  });
});

describe.each(frameworks)('%s: requireAnyScope / requireSubjectType', (_name, express) => {
  it('requireAnyScope admits either scope and lists both when neither is present', async () => {
    const app = authApp(express, options());
    expect((await request(app).get('/reports').set('authorization', bearer(reportsToken))).status).toBe(200);
    expect((await request(app).get('/reports').set('authorization', bearer(adminToken))).status).toBe(200);
    const res = await request(app).get('/reports').set('authorization', bearer(readToken));
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('insufficient_scope');
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", scope="reports:read admin"',
    );
  });

  it('requireSubjectType("client") admits machines and answers 403 to users', async () => {
    const app = authApp(express, options());
    const machine = await request(app).post('/sync').set('authorization', bearer(readToken));
    expect(machine.status).toBe(200);
    expect(machine.body).toEqual({ ok: 'sync' });
    const person = await request(app).post('/sync').set('authorization', bearer(userToken));
    expect(person.status).toBe(403);
    expect(person.body.error).toBe('insufficient_scope');
    expect(person.headers['www-authenticate']).toMatch(/^Bearer realm="api", error="insufficient_scope"/);
  });

  it('a user token with the scopes passes scope checks', async () => {
    const res = await request(authApp(express, options()))
      .post('/data')
      .set('authorization', bearer(userToken));
    expect(res.status).toBe(200);
  });
});

describe.each(frameworks)('%s: authRequired: false', (_name, express) => {
  const app = () => authApp(express, { ...options(), authRequired: false });

  it('a request without a token passes with req.auth unset', async () => {
    const res = await request(app()).get('/whoami');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ subject: null, clientId: null });
  });

  it('a bad token is still rejected', async () => {
    const forged = await signWith(otherKey, clientClaims('svc-read', 'data:read'));
    const res = await request(app()).get('/whoami').set('authorization', bearer(forged));
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_token');
    const malformed = await request(app()).get('/whoami').set('authorization', 'Bearer');
    expect(malformed.status).toBe(400);
  });

  it('a good token still sets req.auth', async () => {
    const res = await request(app()).get('/whoami').set('authorization', bearer(readToken));
    expect(res.body).toEqual({ subject: 'svc-read', clientId: 'svc-read' });
  });

  it('require* after it answer 401 without a token (not authenticate from the environment)', async () => {
    const res = await request(app()).get('/data');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api"');
    expect(res.body.error).toBe('unauthorized');
  });
});

describe.each(frameworks)("%s: errorHandling: 'next'", (_name, express) => {
  function appWithHandler(seen: unknown[]) {
    const app = express();
    app.use(auth({ ...options(), errorHandling: 'next' }));
    addRoutes(app);
    const handler: ErrorRequestHandler = (err, _req, res, _next) => {
      seen.push(err);
      if (isScopegateError(err)) {
        const error = err as ExpressScopegateError;
        res.status(error.status).json({ custom: true, code: error.code, headers: error.responseHeaders });
        return;
      }
      res.status(500).json({ custom: true });
    };
    app.use(handler);
    return app;
  }

  it('passes a 401 ScopegateError to the error handler, with the headers on the error and on res', async () => {
    const seen: unknown[] = [];
    const res = await request(appWithHandler(seen)).get('/whoami');
    expect(seen).toHaveLength(1);
    expect(isScopegateError(seen[0])).toBe(true);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      custom: true,
      code: 'unauthorized',
      headers: { 'www-authenticate': 'Bearer realm="api"' },
    });
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api"');
  });

  it('require* after it pass their 403 to next(err) too', async () => {
    const seen: unknown[] = [];
    const res = await request(appWithHandler(seen)).post('/data').set('authorization', bearer(readToken));
    expect(seen).toHaveLength(1);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('insufficient_scope');
    expect(res.body.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", scope="data:read data:write"',
    );
  });

  it("without an app error handler, Express's default handler still sends the status and WWW-Authenticate", async () => {
    const app = express();
    app.use(auth({ ...options(), errorHandling: 'next' }));
    addRoutes(app);
    const res = await request(app).get('/whoami');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api"');
  });
});

describe.each(frameworks)('%s: thin-adapter details', (_name, express) => {
  it('a token only in the query string: 400 invalid_request asking for the header', async () => {
    const res = await request(authApp(express, options())).get(`/whoami?access_token=${readToken}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    expect(res.body.error_description).toMatch(/Authorization header/);
    expect(res.body.error_description).not.toContain(readToken);
  });

  it('a token only in a form body: 400 invalid_request', async () => {
    const res = await request(authApp(express, options()))
      .post('/data')
      .type('form')
      .send({ access_token: readWriteToken });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
  });

  it('a malformed Content-Type never turns into a 500', async () => {
    const res = await request(authApp(express, options()))
      .post('/data')
      .set('authorization', bearer(readWriteToken))
      .set('content-type', '%%%;;;===')
      .send('x');
    expect(res.status).toBe(200);
  });

  it('reuses an existing verifier', async () => {
    const { createVerifier } = await import('../src/index.js');
    const verifier = createVerifier(options());
    const res = await request(authApp(express, { verifier }))
      .get('/whoami')
      .set('authorization', bearer(readToken));
    expect(res.status).toBe(200);
  });

  it('a route handler that throws after auth reaches the app error handler once', async () => {
    const app = express();
    app.use(auth(options()));
    app.get('/boom', requireScopes('data:read'), () => {
      throw new Error('route failed');
    });
    let calls = 0;
    const handler: ErrorRequestHandler = (_err, _req, res, _next) => {
      calls += 1;
      res.status(500).json({ handled: true });
    };
    app.use(handler);
    const res = await request(app).get('/boom').set('authorization', bearer(readToken));
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ handled: true });
    expect(calls).toBe(1);
  });

  it('rejects invalid adapter options at setup', () => {
    expect(() => auth({ ...options(), errorHandling: 'throw' as 'next' })).toThrow(/errorHandling/);
    expect(() => auth({ ...options(), authRequired: 'no' as unknown as boolean })).toThrow(/authRequired/);
    expect(() => requireScopes()).toThrow(TypeError);
    expect(() => requireScopes('has space')).toThrow(TypeError);
    expect(() => requireSubjectType()).toThrow(TypeError);
    expect(() => requireSubjectType('robot' as 'client')).toThrow(TypeError);
  });
});
