/**
 * Prepared scope requirements (allOf / anyOf / scopeRequirement with
 * wildcard matching), the verifier-wide `scopeMatch`, and failure paths that
 * must never crash or leak (Express 4 ignores returned promises).
 */
import type { ErrorRequestHandler } from 'express';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  allOf,
  anyOf,
  auth,
  type ExpressScopegateError,
  requireAnyScope,
  requireScopes,
  scopeRequirement,
  type Verifier,
} from '../src/index.js';
import { frameworks } from './helpers/app.js';
import { AUDIENCE, clientClaims, ISSUER, makeKey, signWith, type TestKey } from './helpers/tokens.js';

let key: TestKey;
let wildcardToken: string;
let readToken: string;

beforeAll(async () => {
  key = await makeKey('k1');
  wildcardToken = await signWith(key, clientClaims('svc-wild', 'data:*'));
  readToken = await signWith(key, clientClaims('svc-read', 'data:read'));
});

const options = () => ({ issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [key.jwk] } });

describe.each(frameworks)('%s: prepared requirements and wildcard matching', (_name, express) => {
  function app(extra: Record<string, unknown> = {}) {
    const a = express();
    a.use(auth({ ...options(), ...extra }));
    a.get('/exact', requireScopes('data:read'), (_req, res) => {
      res.json({ ok: true });
    });
    a.get(
      '/wild',
      requireScopes(scopeRequirement({ scopes: ['data:read'], match: 'wildcard' })),
      (_req, res) => {
        res.json({ ok: true });
      },
    );
    a.get('/all', requireScopes(allOf('data:read', 'data:write')), (_req, res) => {
      res.json({ ok: true });
    });
    a.get('/any', requireAnyScope(anyOf('admin', 'data:read')), (_req, res) => {
      res.json({ ok: true });
    });
    return a;
  }
  const get = (a: ReturnType<typeof app>, path: string, token: string) =>
    request(a).get(path).set('authorization', `Bearer ${token}`);

  it('a granted data:* does not satisfy data:read under exact matching (the default)', async () => {
    const res = await get(app(), '/exact', wildcardToken);
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", scope="data:read"',
    );
  });

  it('a wildcard requirement accepts data:* for data:read', async () => {
    expect((await get(app(), '/wild', wildcardToken)).status).toBe(200);
    expect((await get(app(), '/wild', readToken)).status).toBe(200);
  });

  it("auth({ scopeMatch: 'wildcard' }) makes plain lists wildcard-aware", async () => {
    expect((await get(app({ scopeMatch: 'wildcard' }), '/exact', wildcardToken)).status).toBe(200);
  });

  it('allOf / anyOf values work like the plain forms', async () => {
    const all = await get(app(), '/all', readToken);
    expect(all.status).toBe(403);
    expect(all.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", scope="data:read data:write"',
    );
    expect((await get(app(), '/any', readToken)).status).toBe(200);
  });

  it('requireAnyScope refuses an all-of requirement at setup', () => {
    expect(() => requireAnyScope(allOf('a', 'b'))).toThrow(TypeError);
    const untyped = requireScopes as (...args: unknown[]) => unknown;
    expect(() => untyped(allOf('a'), allOf('b'))).toThrow(TypeError);
    expect(() => untyped('a', 42)).toThrow(TypeError);
  });
});

describe.each(frameworks)('%s: failure paths', (_name, express) => {
  it("errorHandling 'next' hands a 429 over with Retry-After and RateLimit headers on the error", async () => {
    const a = express();
    a.use(
      auth({
        ...options(),
        errorHandling: 'next',
        rateLimit: { clientMetadata: { 'svc-read': { rate_limit_per_minute: 0 } } },
      }),
    );
    a.get('/x', (_req, res) => {
      res.json({ ok: true });
    });
    const seen: ExpressScopegateError[] = [];
    const handler: ErrorRequestHandler = (err, _req, res, _next) => {
      seen.push(err as ExpressScopegateError);
      res.status(418).json({ mine: true });
    };
    a.use(handler);
    const res = await request(a).get('/x').set('authorization', `Bearer ${readToken}`);
    expect(res.status).toBe(418);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.status).toBe(429);
    expect(seen[0]?.responseHeaders).toEqual({
      'ratelimit-policy': '"client";q=0;w=60',
      ratelimit: expect.stringMatching(/^"client";r=0;t=\d+$/),
      'retry-after': '60',
    });
    expect(res.headers['retry-after']).toBe('60');
  });

  it('a verifier that fails unexpectedly gives a 500 JSON answer, no crash, no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const broken: Verifier = {
        realm: 'api',
        verify: () => Promise.reject(new Error('database exploded: secret=hunter2')),
        authorize: () => Promise.reject(new Error('unused')),
        warmup: () => Promise.resolve(),
      };
      const a = express();
      a.use(auth({ verifier: broken }));
      a.get('/x', (_req, res) => {
        res.json({ leaked: true });
      });
      for (let i = 0; i < 3; i++) {
        const res = await request(a).get('/x').set('authorization', `Bearer ${readToken}`);
        expect(res.status).toBe(500);
        expect(res.body).toEqual({ error: 'server_error', error_description: 'internal error' });
        expect(res.text).not.toContain('hunter2');
      }
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('a request answered elsewhere while the token was being verified gets no second answer', async () => {
    let release: () => void = () => undefined;
    const slow: Verifier = {
      realm: 'api',
      verify: () =>
        new Promise((_resolve, rejectVerify) => {
          release = () => rejectVerify(new Error('late'));
        }),
      authorize: () => Promise.reject(new Error('unused')),
      warmup: () => Promise.resolve(),
    };
    const a = express();
    const middleware = auth({ verifier: slow });
    a.use((req, res, next) => {
      middleware(req, res, next);
      // A timeout middleware answering first.
      res.status(504).json({ timeout: true });
      setImmediate(() => release());
    });
    a.get('/x', (_req, res) => {
      res.json({ leaked: true });
    });
    const res = await request(a).get('/x').set('authorization', `Bearer ${readToken}`);
    expect(res.status).toBe(504);
    expect(res.body).toEqual({ timeout: true });
  });
});
