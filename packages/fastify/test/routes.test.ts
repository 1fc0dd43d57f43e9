/** Route config keys, public routes, decorators and authRequired. */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import scopegate from '../src/index.js';
import { bearer, buildApp, createTestIssuer, type TestIssuer } from './helpers.js';

let issuer: TestIssuer;
let app: FastifyInstance;

beforeAll(async () => {
  issuer = await createTestIssuer();
  app = await buildApp({ ...issuer.verifierOptions });
});
afterAll(async () => {
  await app.close();
});

const get = (target: FastifyInstance, url: string, token?: string) =>
  target.inject({ method: 'GET', url, headers: token === undefined ? {} : bearer(token) });

describe('route config', () => {
  it('auth: false makes a route public, with request.auth null', async () => {
    const res = await get(app, '/health');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true, auth: null });
  });

  it('auth: false ignores a bad token (nothing is verified)', async () => {
    const res = await get(app, '/health', 'garbage');
    expect(res.statusCode).toBe(200);
  });

  it('config.scopes requires all of them', async () => {
    expect((await get(app, '/scoped', await issuer.sign({ scope: 'data:read data:write' }))).statusCode).toBe(
      200,
    );
    expect((await get(app, '/scoped', await issuer.sign({ scope: 'data:write' }))).statusCode).toBe(403);
    // scp (array) counts as well
    expect(
      (await get(app, '/scoped', await issuer.sign({ scope: undefined, scp: ['data:read', 'data:write'] })))
        .statusCode,
    ).toBe(200);
  });

  it('config.anyScope requires at least one of them', async () => {
    expect((await get(app, '/any', await issuer.sign({ scope: 'admin' }))).statusCode).toBe(200);
    expect((await get(app, '/any', await issuer.sign({ scope: 'reports:read other' }))).statusCode).toBe(200);
    const res = await get(app, '/any', await issuer.sign({ scope: 'data:read' }));
    expect(res.statusCode).toBe(403);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", scope="reports:read admin"',
    );
  });

  it('config.subjectType admits only the listed subject types', async () => {
    expect((await get(app, '/machines', await issuer.client('svc-b'))).statusCode).toBe(200);
    const res = await get(app, '/machines', await issuer.user());
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toBe('insufficient_scope');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="api", error="insufficient_scope"/);
  });

  it('a requirement is only checked after verification (an invalid token on a scoped route is 401)', async () => {
    const res = await get(
      app,
      '/scoped',
      await issuer.sign({ scope: 'data:read data:write' }, { expiresIn: -600 }),
    );
    expect(res.statusCode).toBe(401);
  });

  it('HEAD requests of GET routes are protected too', async () => {
    const res = await app.inject({ method: 'HEAD', url: '/data' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api"');
  });

  it('unknown paths need a token (401) and give 404 with one', async () => {
    const none = await get(app, '/nope');
    expect(none.statusCode).toBe(401);
    expect(none.json().error).toBe('unauthorized');
    expect(none.headers['www-authenticate']).toBe('Bearer realm="api"');
    expect((await get(app, '/nope', await issuer.sign())).statusCode).toBe(404);
  });

  it.each([
    [{ scopes: 'data:read' }, /route GET \/x: invalid scopegate config: .*list of scopes/],
    [{ scopes: ['data read'] }, /invalid scopegate config: .*without spaces/],
    [{ anyScope: [''] }, /invalid scopegate config: .*non-empty scope strings/],
    [{ anyScope: [] }, /invalid scopegate config: .*at least one scope/],
    [{ subjectType: 'robot' }, /invalid scopegate config: subjectType must be/],
    [{ subjectType: [] }, /invalid scopegate config: subjectType must be/],
    [{ auth: 'no' }, /config\.auth must be a boolean/],
    [{ auth: false, scopes: ['a'] }, /cannot be combined/],
    // Misspelt keys would silently drop the requirement.
    [
      { scope: ['data:read'] },
      /route GET \/x: config key "scope" is not a scopegate key; did you mean config\.scopes\?/,
    ],
    [{ anyscope: ['a'] }, /did you mean config\.anyScope\?/],
    [{ any_scopes: ['a'] }, /did you mean config\.anyScope\?/],
    [{ subjectTypes: ['client'] }, /did you mean config\.subjectType\?/],
    [{ subject_type: 'client' }, /did you mean config\.subjectType\?/],
    [{ Auth: false }, /did you mean config\.auth\?/],
  ])('an invalid route config %j fails at startup', async (config, message) => {
    const bad = Fastify();
    await bad.register(scopegate, { ...issuer.verifierOptions });
    expect(() => bad.get('/x', { config: config as never }, async () => 'x')).toThrow(message);
    await bad.close();
  });
});

it("other plugins' route config keys pass, also ones that start like the plugin's", async () => {
  const app = Fastify();
  await app.register(scopegate, { ...issuer.verifierOptions });
  const others = { rateLimit: { max: 5 }, authorization: 'x', scopeOfWork: 1, a: 1 };
  // Neighbours of `auth` and other one-letter edits belong to other plugins.
  const neighbours = { oauth: 1, authz: 1, authn: 1, auth0: 1, scores: 1, scoped: 1, stores: 1 };
  app.get('/x', { config: { ...others, ...neighbours } }, async () => 'x');
  await app.ready();
  expect((await get(app, '/x', await issuer.sign())).statusCode).toBe(200);
  await app.close();
});

describe('decorators', () => {
  let deco: FastifyInstance;
  beforeAll(async () => {
    deco = Fastify();
    await deco.register(scopegate, { ...issuer.verifierOptions });
    const handler = async () => 'ok';
    deco.get('/read', { onRequest: deco.requireScopes('data:read') }, handler);
    deco.get('/write', { onRequest: deco.requireScopes('data:read', 'data:write') }, handler);
    deco.get('/reports', { preHandler: deco.requireAnyScope('reports:read', 'admin') }, handler);
    deco.get('/sync', { onRequest: deco.requireSubjectType('client') }, handler);
    deco.get(
      '/public-but-scoped',
      { config: { auth: false }, onRequest: deco.requireScopes('data:read') },
      async (request) => ({
        sub: request.auth?.subject,
      }),
    );
    await deco.ready();
  });
  afterAll(async () => {
    await deco.close();
  });

  it('requireScopes: all listed scopes, else 403 with the scope list', async () => {
    expect((await get(deco, '/read', await issuer.sign())).statusCode).toBe(200);
    const res = await get(deco, '/write', await issuer.sign());
    expect(res.statusCode).toBe(403);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", scope="data:read data:write"',
    );
    expect(res.json().error).toBe('insufficient_scope');
  });

  it('requireAnyScope (as preHandler): at least one', async () => {
    expect((await get(deco, '/reports', await issuer.sign({ scope: 'admin' }))).statusCode).toBe(200);
    expect((await get(deco, '/reports', await issuer.sign())).statusCode).toBe(403);
  });

  it('requireSubjectType: machines only', async () => {
    expect((await get(deco, '/sync', await issuer.sign())).statusCode).toBe(200);
    expect((await get(deco, '/sync', await issuer.user())).statusCode).toBe(403);
  });

  it('as preHandler on a form-encoded request: a body access_token besides the header is a 400', async () => {
    const form = Fastify();
    // Fastify parses no form bodies by itself; @fastify/formbody does the same as this parser.
    form.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_req, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(body as string)));
      },
    );
    await form.register(scopegate, { ...issuer.verifierOptions });
    form.post('/submit', { preHandler: form.requireScopes('data:read') }, async () => 'ok');
    const token = await issuer.sign();
    const post = (payload: string) =>
      form.inject({
        method: 'POST',
        url: '/submit',
        headers: { ...bearer(token), 'content-type': 'application/x-www-form-urlencoded' },
        payload,
      });
    const twice = await post(`access_token=${token}&value=1`);
    expect(twice.statusCode).toBe(400);
    expect(twice.json()).toEqual({
      error: 'invalid_request',
      error_description: 'the access token was sent in more than one place',
    });
    expect(twice.headers['www-authenticate']).toMatch(/^Bearer realm="api", error="invalid_request"/);
    expect((await post('value=1')).statusCode).toBe(200);
    await form.close();
  });

  it('the plugin hook still authenticates first (401 without token on a decorated route)', async () => {
    const res = await get(deco, '/read');
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api"');
  });

  it('on an auth: false route the decorator authenticates by itself', async () => {
    const ok = await get(deco, '/public-but-scoped', await issuer.sign());
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ sub: 'svc-a' });
    const none = await get(deco, '/public-but-scoped');
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="api"');
    const expired = await get(deco, '/public-but-scoped', await issuer.sign({}, { expiresIn: -600 }));
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error).toBe('invalid_token');
    const lacking = await get(deco, '/public-but-scoped', await issuer.sign({ scope: 'other' }));
    expect(lacking.statusCode).toBe(403);
  });

  it('decorators refuse to be called without arguments', () => {
    expect(() => deco.requireScopes()).toThrow(/at least one/);
    expect(() => deco.requireAnyScope()).toThrow(/at least one/);
    expect(() => deco.requireSubjectType()).toThrow(/at least one/);
  });

  it('app.scopegate exposes the verifier, guard and realm', () => {
    expect(typeof deco.scopegate.verifier.verify).toBe('function');
    expect(typeof deco.scopegate.guard.authenticate).toBe('function');
    expect(deco.scopegate.realm).toBe('api');
  });
});

describe('authRequired: false', () => {
  let optional: FastifyInstance;
  beforeAll(async () => {
    optional = Fastify();
    await optional.register(scopegate, { ...issuer.verifierOptions, authRequired: false });
    optional.get('/maybe', async (request) => ({ sub: request.auth?.subject ?? null }));
    optional.get('/scoped', { config: { scopes: ['data:read'] } }, async () => 'ok');
    optional.get('/deco', { onRequest: optional.requireScopes('data:read') }, async () => 'ok');
    await optional.ready();
  });
  afterAll(async () => {
    await optional.close();
  });

  it('lets a request without a token through with request.auth null', async () => {
    const res = await get(optional, '/maybe');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ sub: null });
  });

  it('still sets request.auth for a valid token', async () => {
    expect((await get(optional, '/maybe', await issuer.sign())).json()).toEqual({ sub: 'svc-a' });
  });

  it('still rejects a bad token and a malformed header', async () => {
    expect((await get(optional, '/maybe', await issuer.sign({}, { expiresIn: -600 }))).statusCode).toBe(401);
    const malformed = await optional.inject({ url: '/maybe', headers: { authorization: 'Bearer' } });
    expect(malformed.statusCode).toBe(400);
  });

  it('routes with a requirement (config or decorator) still need a token', async () => {
    expect((await get(optional, '/scoped')).statusCode).toBe(401);
    expect((await get(optional, '/deco')).statusCode).toBe(401);
    expect((await get(optional, '/scoped', await issuer.sign())).statusCode).toBe(200);
    expect((await get(optional, '/deco', await issuer.sign())).statusCode).toBe(200);
  });
});

describe('registration', () => {
  it('rejects a second registration in the same context tree', async () => {
    const twice = Fastify();
    await twice.register(scopegate, { ...issuer.verifierOptions });
    await expect(
      twice.register(async (child) => {
        await child.register(scopegate, { ...issuer.verifierOptions });
      }),
    ).rejects.toThrow(/already registered/);
    await twice.close().catch(() => undefined);
  });

  it('rejects `verifier` together with verifier options', async () => {
    const both = Fastify();
    const other = Fastify();
    await other.register(scopegate, { ...issuer.verifierOptions });
    await other.ready();
    const { verifier } = other.scopegate;
    await expect(both.register(scopegate, { verifier, issuer: 'https://x.test/' } as never)).rejects.toThrow(
      /either `verifier` or verifier options/,
    );
    await Promise.all([other.close(), both.close().catch(() => undefined)]);
  });

  it('accepts an existing verifier', async () => {
    const first = Fastify();
    await first.register(scopegate, { ...issuer.verifierOptions });
    await first.ready();
    const second = Fastify();
    await second.register(scopegate, { verifier: first.scopegate.verifier });
    second.get('/x', async (request) => request.auth?.clientId);
    const res = await get(second, '/x', await issuer.sign());
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('svc-a');
    await Promise.all([first.close(), second.close()]);
  });

  it('rejects a non-boolean authRequired', async () => {
    const bad = Fastify();
    await expect(
      bad.register(scopegate, { ...issuer.verifierOptions, authRequired: 'yes' as never }),
    ).rejects.toThrow(/authRequired must be a boolean/);
    await bad.close().catch(() => undefined);
  });

  it('routes declared before registration in the same context are protected too (contract reply)', async () => {
    const early = Fastify();
    early.get('/early', async () => 'early');
    await early.register(scopegate, { ...issuer.verifierOptions });
    await early.ready();
    const res = await get(early, '/early');
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api"');
    expect(res.json().error).toBe('unauthorized');
    expect((await get(early, '/early', await issuer.sign())).body).toBe('early');
    await early.close();
  });
});
