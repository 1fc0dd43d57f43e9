/**
 * Per-client rate limits end to end through `auth({ rateLimit })`, on
 * Express 5 and 4. A memory store with a controlled clock makes every header
 * value exact; the algorithm itself is tested in core.
 */
import { createMemoryStore, type RateLimitOptions } from '@scopegate/core';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { authApp, type ExpressFactory, frameworks } from './helpers/app.js';
import {
  AUDIENCE,
  clientClaims,
  ISSUER,
  makeKey,
  signWith,
  type TestKey,
  userClaims,
} from './helpers/tokens.js';

let key: TestKey;
let forger: TestKey;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  key = await makeKey('k1');
  forger = await makeKey('k1');
  for (const client of ['nightly-data-sync', 'dashboard', 'batch', 'unknown-client']) {
    tokens[client] = await signWith(key, clientClaims(client, 'data:read'));
  }
  tokens.alice = await signWith(key, userClaims('alice', 'data:read'));
  tokens.forged = await signWith(forger, clientClaims('nightly-data-sync', 'data:read'));
});

// 1e12 ms is a multiple of the 5 s segment: a burst at this instant has t = 60 + 5 = 65 s.
const T0 = 1_000_000_000_000;

function limitedApp(express: ExpressFactory, rateLimit: RateLimitOptions, clock = { now: T0 }) {
  const store = createMemoryStore({ now: () => clock.now });
  return authApp(express, {
    issuer: ISSUER,
    audience: AUDIENCE,
    jwks: { keys: [key.jwk] },
    rateLimit: { store, ...rateLimit },
  });
}

const get = (app: ReturnType<ExpressFactory>, token: string | undefined) =>
  request(app).get('/data').set('authorization', `Bearer ${token}`);

describe.each(frameworks)('%s: per-client rate limits', (_name, express) => {
  it('limit 5: exactly 5 admitted with exact headers, then 429 with Retry-After and no WWW-Authenticate', async () => {
    const app = limitedApp(express, {
      clientMetadata: { 'nightly-data-sync': { rate_limit_per_minute: 5 } },
    });
    for (let i = 0; i < 5; i++) {
      const res = await get(app, tokens['nightly-data-sync']);
      expect(res.status).toBe(200);
      expect(res.headers['ratelimit-policy']).toBe('"client";q=5;w=60');
      expect(res.headers.ratelimit).toBe(`"client";r=${4 - i};t=65`);
    }
    const limited = await get(app, tokens['nightly-data-sync']);
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ error: 'rate_limited', error_description: expect.any(String) });
    expect(limited.headers['retry-after']).toBe('65');
    expect(limited.headers['ratelimit-policy']).toBe('"client";q=5;w=60');
    expect(limited.headers.ratelimit).toBe('"client";r=0;t=65');
    expect(limited.headers['www-authenticate']).toBeUndefined();
  });

  it('Retry-After counts down with the clock and quota returns when the window has passed', async () => {
    const clock = { now: T0 + 2_500 };
    const app = limitedApp(express, { clientMetadata: { batch: { rate_limit_per_minute: 1 } } }, clock);
    expect((await get(app, tokens.batch)).status).toBe(200);
    const first = await get(app, tokens.batch);
    expect(first.status).toBe(429);
    expect(first.headers['retry-after']).toBe('63'); // (bucket + 13) * 5 s - 2.5 s
    clock.now += 30_000;
    expect((await get(app, tokens.batch)).headers['retry-after']).toBe('33');
    clock.now = T0 + 65_000;
    const again = await get(app, tokens.batch);
    expect(again.status).toBe(200);
    expect(again.headers.ratelimit).toBe('"client";r=0;t=65');
  });

  it('clients are limited independently', async () => {
    const app = limitedApp(express, {
      clientMetadata: {
        'nightly-data-sync': { rate_limit_per_minute: 2 },
        dashboard: { rate_limit_per_minute: 3 },
      },
    });
    const statuses = async (client: string, n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push((await get(app, tokens[client])).status);
      return out;
    };
    expect(await statuses('nightly-data-sync', 3)).toEqual([200, 200, 429]);
    expect(await statuses('dashboard', 4)).toEqual([200, 200, 200, 429]);
    expect(await statuses('nightly-data-sync', 1)).toEqual([429]);
  });

  it('user tokens are not limited under appliesTo "clients" (the default), and get no headers', async () => {
    const app = limitedApp(express, { defaultPerMinute: 1 });
    for (let i = 0; i < 4; i++) {
      const res = await get(app, tokens.alice);
      expect(res.status).toBe(200);
      expect(res.headers['ratelimit-policy']).toBeUndefined();
      expect(res.headers.ratelimit).toBeUndefined();
    }
  });

  it('user tokens are limited under appliesTo "all"', async () => {
    const app = limitedApp(express, { defaultPerMinute: 1, appliesTo: 'all' });
    expect((await get(app, tokens.alice)).status).toBe(200);
    expect((await get(app, tokens.alice)).status).toBe(429);
  });

  it('a synchronous clientMetadata function', async () => {
    const asked: string[] = [];
    const app = limitedApp(express, {
      clientMetadata: (clientId) => {
        asked.push(clientId);
        return clientId === 'dashboard' ? { rate_limit_per_minute: 2 } : undefined;
      },
    });
    expect((await get(app, tokens.dashboard)).status).toBe(200);
    expect((await get(app, tokens.dashboard)).status).toBe(200);
    const res = await get(app, tokens.dashboard);
    expect(res.status).toBe(429);
    expect(res.headers['ratelimit-policy']).toBe('"client";q=2;w=60');
    expect(asked.every((id) => id === 'dashboard')).toBe(true);
    // No metadata and no default: unlimited, no headers.
    const other = await get(app, tokens.batch);
    expect(other.status).toBe(200);
    expect(other.headers['ratelimit-policy']).toBeUndefined();
  });

  it('an asynchronous clientMetadata function', async () => {
    const app = limitedApp(express, {
      clientMetadata: async (clientId) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return clientId === 'batch' ? { rate_limit_per_minute: 3 } : undefined;
      },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await get(app, tokens.batch)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('a clientMetadata lookup that never settles: the request goes on with defaultPerMinute after metadataTimeoutMs', async () => {
    const app = limitedApp(express, {
      clientMetadata: () => new Promise(() => {}),
      metadataTimeoutMs: 100,
      defaultPerMinute: 2,
    });
    const started = performance.now();
    const res = await get(app, tokens.batch);
    const elapsed = performance.now() - started;
    expect(res.status).toBe(200);
    expect(res.headers['ratelimit-policy']).toBe('"client";q=2;w=60');
    // Well under the 5 s default: the option, not the default, ended the wait.
    expect(elapsed).toBeGreaterThanOrEqual(90);
    expect(elapsed).toBeLessThan(2_000);
  });

  it('defaultPerMinute applies to clients without metadata', async () => {
    const app = limitedApp(express, {
      clientMetadata: { 'nightly-data-sync': { rate_limit_per_minute: 600 } },
      defaultPerMinute: 2,
    });
    const first = await get(app, tokens['unknown-client']);
    expect(first.headers['ratelimit-policy']).toBe('"client";q=2;w=60');
    expect((await get(app, tokens['unknown-client'])).status).toBe(200);
    expect((await get(app, tokens['unknown-client'])).status).toBe(429);
    const listed = await get(app, tokens['nightly-data-sync']);
    expect(listed.status).toBe(200);
    expect(listed.headers['ratelimit-policy']).toBe('"client";q=600;w=60');
    expect(listed.headers.ratelimit).toBe('"client";r=599;t=65');
  });

  it('a token rejected for its signature consumes nothing', async () => {
    const app = limitedApp(express, {
      clientMetadata: { 'nightly-data-sync': { rate_limit_per_minute: 2 } },
    });
    for (let i = 0; i < 5; i++) {
      const res = await get(app, tokens.forged);
      expect(res.status).toBe(401);
      expect(res.headers['ratelimit-policy']).toBeUndefined();
    }
    const first = await get(app, tokens['nightly-data-sync']);
    expect(first.status).toBe(200);
    expect(first.headers.ratelimit).toBe('"client";r=1;t=65');
    expect((await get(app, tokens['nightly-data-sync'])).status).toBe(200);
    expect((await get(app, tokens['nightly-data-sync'])).status).toBe(429);
  });

  it('the default in-memory store (real clock) admits exactly the limit', async () => {
    const app = authApp(express, {
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: { keys: [key.jwk] },
      rateLimit: { clientMetadata: { dashboard: { rate_limit_per_minute: 3 } }, policyName: 'per-client' },
    });
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await get(app, tokens.dashboard));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(results[0]?.headers['ratelimit-policy']).toBe('"per-client";q=3;w=60');
    expect(results[2]?.headers.ratelimit).toMatch(/^"per-client";r=0;t=(6[0-5])$/);
    expect(Number(results[3]?.headers['retry-after'])).toBeGreaterThanOrEqual(60);
    expect(Number(results[3]?.headers['retry-after'])).toBeLessThanOrEqual(65);
  });

  it("a 403 on a rate-limited route still carries the RateLimit headers of auth()'s count", async () => {
    const app = limitedApp(express, { clientMetadata: { dashboard: { rate_limit_per_minute: 5 } } });
    const res = await request(app).post('/data').set('authorization', `Bearer ${tokens.dashboard}`);
    expect(res.status).toBe(403);
    expect(res.headers['ratelimit-policy']).toBe('"client";q=5;w=60');
    expect(res.headers.ratelimit).toBe('"client";r=4;t=65');
  });
});
