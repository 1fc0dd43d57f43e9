/** Registering in a child context protects that context (and its descendants) only. */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import scopegate from '../src/index.js';
import { bearer, createTestIssuer, type TestIssuer } from './helpers.js';

let issuer: TestIssuer;
let app: FastifyInstance;
const decoratorSeen: Record<string, boolean> = {};

beforeAll(async () => {
  issuer = await createTestIssuer();
  app = Fastify();
  app.get('/root', async (request) => ({ where: 'root', auth: request.auth ?? 'undecorated' }));

  await app.register(
    async (api) => {
      await api.register(scopegate, { ...issuer.verifierOptions });
      api.get('/data', async (request) => ({ where: 'api', sub: request.auth?.subject }));
      api.get('/scoped', { config: { scopes: ['data:write'] } }, async () => ({ where: 'api-scoped' }));
      api.get('/open', { config: { auth: false } }, async () => ({ where: 'api-open' }));
      await api.register(
        async (nested) => {
          nested.get('/deep', async (request) => ({ where: 'nested', sub: request.auth?.subject }));
        },
        { prefix: '/nested' },
      );
      decoratorSeen.api = api.hasDecorator('requireScopes');
    },
    { prefix: '/api' },
  );

  await app.register(
    async (sibling) => {
      sibling.get('/open', async () => ({ where: 'sibling' }));
      decoratorSeen.sibling = sibling.hasDecorator('requireScopes');
    },
    { prefix: '/sibling' },
  );

  app.get('/after', async () => ({ where: 'root-after' }));
  decoratorSeen.root = app.hasDecorator('requireScopes');
  await app.ready();
});
afterAll(async () => {
  await app.close();
});

describe('encapsulation', () => {
  it('routes of the registering context need a token', async () => {
    const none = await app.inject({ url: '/api/data' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="api"');
    expect(none.json().error).toBe('unauthorized');
    const ok = await app.inject({ url: '/api/data', headers: bearer(await issuer.sign()) });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ where: 'api', sub: 'svc-a' });
  });

  it('route config works in the child context (403 formatted by the plugin)', async () => {
    const res = await app.inject({ url: '/api/scoped', headers: bearer(await issuer.sign()) });
    expect(res.statusCode).toBe(403);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", scope="data:write"',
    );
    expect(res.json().error).toBe('insufficient_scope');
    expect((await app.inject({ url: '/api/open' })).statusCode).toBe(200);
  });

  it('descendant contexts of the registering context are protected', async () => {
    expect((await app.inject({ url: '/api/nested/deep' })).statusCode).toBe(401);
    const ok = await app.inject({ url: '/api/nested/deep', headers: bearer(await issuer.sign()) });
    expect(ok.json()).toEqual({ where: 'nested', sub: 'svc-a' });
  });

  it('the root (before and after) and sibling contexts stay public', async () => {
    const root = await app.inject({ url: '/root' });
    expect(root.statusCode).toBe(200);
    expect(root.json()).toEqual({ where: 'root', auth: 'undecorated' });
    expect((await app.inject({ url: '/sibling/open' })).json()).toEqual({ where: 'sibling' });
    expect((await app.inject({ url: '/after' })).json()).toEqual({ where: 'root-after' });
  });

  it('decorators exist only in the registering context', () => {
    expect(decoratorSeen).toEqual({ api: true, sibling: false, root: false });
  });

  it('unknown paths outside the protected context get a plain 404', async () => {
    expect((await app.inject({ url: '/nowhere' })).statusCode).toBe(404);
  });
});

describe('sibling registrations', () => {
  it('two siblings can use different audiences independently', async () => {
    const two = Fastify();
    await two.register(
      async (a) => {
        await a.register(scopegate, { ...issuer.verifierOptions, audience: 'https://a.test' });
        a.get('/', async () => 'a');
      },
      { prefix: '/a' },
    );
    await two.register(
      async (b) => {
        await b.register(scopegate, { ...issuer.verifierOptions, audience: 'https://b.test' });
        b.get('/', async () => 'b');
      },
      { prefix: '/b' },
    );
    const tokenA = await issuer.sign({ aud: 'https://a.test' });
    expect((await two.inject({ url: '/a/', headers: bearer(tokenA) })).statusCode).toBe(200);
    const crossed = await two.inject({ url: '/b/', headers: bearer(tokenA) });
    expect(crossed.statusCode).toBe(401);
    expect(crossed.json().error).toBe('invalid_token');
    await two.close();
  });
});
