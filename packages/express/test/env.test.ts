/**
 * `require*` without `auth()`: configured from SCOPEGATE_* variables against
 * a local JWKS server, and failing closed (500, logged once) without them.
 */
import type { Server } from 'node:http';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { auth, requireScopes, requireSubjectType } from '../src/index.js';
import { frameworks } from './helpers/app.js';
import {
  AUDIENCE,
  clientClaims,
  close,
  ISSUER,
  makeKey,
  signWith,
  startJwksServer,
  type TestKey,
  userClaims,
} from './helpers/tokens.js';

const ENV = ['SCOPEGATE_ISSUER', 'SCOPEGATE_AUDIENCE', 'SCOPEGATE_JWKS_URI'] as const;
const saved = Object.fromEntries(ENV.map((name) => [name, process.env[name]]));

let key: TestKey;
let jwksServer: Server;
let jwksUri: string;
let readToken: string;
let userToken: string;

beforeAll(async () => {
  key = await makeKey('env-key');
  const started = await startJwksServer([key]);
  jwksServer = started.server;
  jwksUri = started.url;
  readToken = await signWith(key, clientClaims('svc-env', 'data:read'));
  userToken = await signWith(key, userClaims('bob', 'data:read'));
});

afterAll(async () => {
  await close(jwksServer);
});

afterEach(() => {
  for (const name of ENV) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  vi.restoreAllMocks();
});

function configure(): void {
  process.env.SCOPEGATE_ISSUER = ISSUER;
  process.env.SCOPEGATE_AUDIENCE = AUDIENCE;
  process.env.SCOPEGATE_JWKS_URI = jwksUri;
}

function unconfigure(): void {
  for (const name of ENV) delete process.env[name];
}

describe.each(frameworks)('%s: configured from the environment', (_name, express) => {
  function envApp() {
    const app = express();
    app.use(requireScopes('data:read'));
    app.get('/data', (req, res) => {
      res.json({ clientId: req.auth?.clientId ?? null });
    });
    app.post('/sync', requireSubjectType('client'), (_req, res) => {
      res.json({ ok: 'sync' });
    });
    app.get('/admin', requireScopes('admin'), (_req, res) => {
      res.json({ ok: 'admin' });
    });
    return app;
  }

  it('app.use(requireScopes(...)) alone authenticates: 401 without a token, 200 with one', async () => {
    configure();
    const app = envApp();
    const none = await request(app).get('/data');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="api"');
    expect(none.body.error).toBe('unauthorized');
    const ok = await request(app).get('/data').set('authorization', `Bearer ${readToken}`);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ clientId: 'svc-env' });
  });

  it('a later require* reuses that authentication: 403 for a missing scope, subject type checked', async () => {
    configure();
    const app = envApp();
    const res = await request(app).get('/admin').set('authorization', `Bearer ${readToken}`);
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", scope="admin"',
    );
    expect((await request(app).post('/sync').set('authorization', `Bearer ${readToken}`)).status).toBe(200);
    expect((await request(app).post('/sync').set('authorization', `Bearer ${userToken}`)).status).toBe(403);
  });

  it('rejects a token the environment issuer did not sign', async () => {
    configure();
    const stranger = await makeKey('env-key');
    const forged = await signWith(stranger, clientClaims('svc-env', 'data:read'));
    const res = await request(envApp()).get('/data').set('authorization', `Bearer ${forged}`);
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_token');
  });

  it('auth() without options is configured from the environment too', async () => {
    configure();
    const app = express();
    app.use(auth());
    app.get('/x', (req, res) => {
      res.json({ subject: req.auth?.subject });
    });
    expect((await request(app).get('/x').set('authorization', `Bearer ${readToken}`)).body).toEqual({
      subject: 'svc-env',
    });
  });
});

describe('misconfigured environment', () => {
  it('fails closed with 500 "server misconfigured" on both majors, logging once for many requests', async () => {
    unconfigure();
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    let reached = 0;
    for (const [, express] of frameworks) {
      const app = express();
      app.use(requireScopes('data:read'));
      app.get('/data', (_req, res) => {
        reached += 1;
        res.json({ leaked: true });
      });
      for (let i = 0; i < 3; i++) {
        const res = await request(app).get('/data').set('authorization', `Bearer ${readToken}`);
        expect(res.status).toBe(500);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(res.body).toEqual({ error: 'server_error', error_description: 'server misconfigured' });
        expect(res.headers['www-authenticate']).toBeUndefined();
      }
    }
    expect(reached).toBe(0);
    expect(logged).toHaveBeenCalledTimes(1);
    const message = String(logged.mock.calls[0]?.[0]);
    expect(message).toMatch(/SCOPEGATE_ISSUER/);
    expect(message).not.toContain(readToken);
  });

  it('a partial configuration (audience missing) also fails closed, logged once for it', async () => {
    unconfigure();
    process.env.SCOPEGATE_ISSUER = ISSUER;
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const [, express] = frameworks[0] ?? [];
    if (express === undefined) throw new Error('no framework');
    const app = express();
    app.use(requireScopes('data:read'));
    app.get('/data', (_req, res) => {
      res.json({ leaked: true });
    });
    for (let i = 0; i < 2; i++) {
      const res = await request(app).get('/data');
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ error: 'server_error', error_description: 'server misconfigured' });
    }
    expect(logged).toHaveBeenCalledTimes(1);
    expect(String(logged.mock.calls[0]?.[0])).toMatch(/SCOPEGATE_AUDIENCE/);
  });

  it('configuring the environment afterwards is picked up without a restart', async () => {
    unconfigure();
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const [, express] = frameworks[1] ?? [];
    if (express === undefined) throw new Error('no framework');
    const app = express();
    app.use(requireScopes('data:read'));
    app.get('/data', (_req, res) => {
      res.json({ ok: true });
    });
    expect((await request(app).get('/data').set('authorization', `Bearer ${readToken}`)).status).toBe(500);
    configure();
    expect((await request(app).get('/data').set('authorization', `Bearer ${readToken}`)).status).toBe(200);
  });

  it('auth() without options and without environment throws at setup', () => {
    unconfigure();
    expect(() => auth()).toThrow(/SCOPEGATE_ISSUER|issuer/);
  });
});
