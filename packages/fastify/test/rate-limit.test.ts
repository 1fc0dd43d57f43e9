/**
 * Per-client rate limits through the plugin. The store runs on a fixed clock
 * at a segment boundary, so header values are exact: every request of a
 * fresh client lands in one 5 s bucket, which stops counting 65 s later.
 */
import {
  type ClientMetadataSource,
  createMemoryStore,
  createRateLimiter,
  type RateLimitOptions,
} from '@scopegate/core';
import Fastify, { type FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import scopegate from '../src/index.js';
import { bearer, createTestIssuer, type TestIssuer } from './helpers.js';

const T0 = 1_700_000_000_000; // a multiple of the 5 000 ms segment
let issuer: TestIssuer;

beforeAll(async () => {
  issuer = await createTestIssuer();
});

interface Limited {
  app: FastifyInstance;
  clock: { now: number };
}

async function limitedApp(rateLimit: Omit<RateLimitOptions, 'store'>): Promise<Limited> {
  const clock = { now: T0 };
  const app = Fastify();
  await app.register(scopegate, {
    ...issuer.verifierOptions,
    rateLimit: { ...rateLimit, store: createMemoryStore({ now: () => clock.now }) },
  });
  app.get('/data', async () => 'ok');
  app.get('/scoped', { config: { scopes: ['data:write'] } }, async () => 'ok');
  app.get('/health', { config: { auth: false } }, async () => 'ok');
  await app.ready();
  return { app, clock };
}

const hit = (app: FastifyInstance, token: string, url = '/data') =>
  app.inject({ url, headers: bearer(token) });

async function statuses(app: FastifyInstance, token: string, n: number, url = '/data'): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await hit(app, token, url)).statusCode);
  return out;
}

describe('rate limits', () => {
  it('admits exactly the client’s limit, with exact RateLimit headers, then 429 with Retry-After', async () => {
    const { app, clock } = await limitedApp({ clientMetadata: { 'svc-a': { rate_limit_per_minute: 3 } } });
    const token = await issuer.client('svc-a');
    const seen: Array<[number, string | undefined, string | undefined]> = [];
    for (let i = 0; i < 5; i++) {
      const res = await hit(app, token);
      seen.push([
        res.statusCode,
        res.headers['ratelimit'] as string,
        res.headers['ratelimit-policy'] as string,
      ]);
    }
    expect(seen).toEqual([
      [200, '"client";r=2;t=65', '"client";q=3;w=60'],
      [200, '"client";r=1;t=65', '"client";q=3;w=60'],
      [200, '"client";r=0;t=65', '"client";q=3;w=60'],
      [429, '"client";r=0;t=65', '"client";q=3;w=60'],
      [429, '"client";r=0;t=65', '"client";q=3;w=60'],
    ]);
    const rejected = await hit(app, token);
    expect(rejected.statusCode).toBe(429);
    expect(rejected.headers['retry-after']).toBe('65');
    expect(rejected.headers['www-authenticate']).toBeUndefined();
    expect(rejected.headers['content-type']).toMatch(/^application\/json/);
    expect(rejected.json()).toEqual({ error: 'rate_limited', error_description: expect.any(String) });

    // 64 s later the bucket still counts; at 65 s it has left the window
    clock.now = T0 + 64_000;
    const still = await hit(app, token);
    expect(still.statusCode).toBe(429);
    expect(still.headers['retry-after']).toBe('1');
    clock.now = T0 + 65_000;
    expect(await statuses(app, token, 4)).toEqual([200, 200, 200, 429]);
    await app.close();
  });

  it('limits clients independently', async () => {
    const { app } = await limitedApp({
      clientMetadata: { 'svc-a': { rate_limit_per_minute: 2 }, 'svc-b': { rate_limit_per_minute: 3 } },
    });
    const a = await issuer.client('svc-a');
    const b = await issuer.client('svc-b');
    expect(await statuses(app, a, 3)).toEqual([200, 200, 429]);
    expect(await statuses(app, b, 4)).toEqual([200, 200, 200, 429]);
    expect((await hit(app, a)).statusCode).toBe(429);
    await app.close();
  });

  it("does not limit user tokens under appliesTo: 'clients' (default), and sends them no headers", async () => {
    const { app } = await limitedApp({
      clientMetadata: { 'web-app': { rate_limit_per_minute: 1 } },
      defaultPerMinute: 1,
    });
    const user = await issuer.user();
    for (let i = 0; i < 5; i++) {
      const res = await hit(app, user);
      expect(res.statusCode).toBe(200);
      expect(res.headers['ratelimit']).toBeUndefined();
      expect(res.headers['ratelimit-policy']).toBeUndefined();
    }
    await app.close();
  });

  it("limits user tokens under appliesTo: 'all' with their client's limit", async () => {
    const { app } = await limitedApp({
      appliesTo: 'all',
      clientMetadata: { 'web-app': { rate_limit_per_minute: 2 } },
    });
    expect(await statuses(app, await issuer.user(), 3)).toEqual([200, 200, 429]);
    await app.close();
  });

  it('reads metadata from a sync function and from an async function', async () => {
    const sync = vi.fn<Extract<ClientMetadataSource, (...args: never[]) => unknown>>((clientId) =>
      clientId === 'svc-a' ? { rate_limit_per_minute: 2 } : undefined,
    );
    const syncApp = await limitedApp({ clientMetadata: sync });
    expect(await statuses(syncApp.app, await issuer.client('svc-a'), 3)).toEqual([200, 200, 429]);
    expect(await statuses(syncApp.app, await issuer.client('svc-free'), 4)).toEqual([200, 200, 200, 200]);
    expect(sync).toHaveBeenCalledWith('svc-a', expect.objectContaining({ clientId: 'svc-a' }));
    await syncApp.app.close();

    const asyncApp = await limitedApp({
      clientMetadata: async (clientId) => {
        await new Promise((resolve) => setTimeout(resolve, 2));
        return clientId === 'svc-a' ? { rate_limit_per_minute: 1 } : undefined;
      },
    });
    expect(await statuses(asyncApp.app, await issuer.client('svc-a'), 2)).toEqual([200, 429]);
    await asyncApp.app.close();
  });

  it('answers with defaultPerMinute when a clientMetadata lookup never settles (metadataTimeoutMs)', async () => {
    const { app } = await limitedApp({
      clientMetadata: () => new Promise(() => {}),
      metadataTimeoutMs: 100,
      defaultPerMinute: 1,
    });
    const token = await issuer.client('svc-stuck');
    const started = performance.now();
    const first = await hit(app, token);
    const elapsed = performance.now() - started;
    expect(first.statusCode).toBe(200);
    // Well under the 5 s default: the option, not the default, ended the wait.
    expect(elapsed).toBeGreaterThanOrEqual(90);
    expect(elapsed).toBeLessThan(2_000);
    expect(first.headers['ratelimit-policy']).toBe('"client";q=1;w=60');
    expect((await hit(app, token)).statusCode).toBe(429);
    await app.close();
  });

  it('applies defaultPerMinute to clients without metadata; metadata wins where present', async () => {
    const { app } = await limitedApp({
      clientMetadata: { 'svc-big': { rate_limit_per_minute: 4 } },
      defaultPerMinute: 2,
    });
    const unknown = await hit(app, await issuer.client('svc-unknown'));
    expect(unknown.headers['ratelimit-policy']).toBe('"client";q=2;w=60');
    expect(await statuses(app, await issuer.client('svc-unknown'), 2)).toEqual([200, 429]);
    expect(await statuses(app, await issuer.client('svc-big'), 5)).toEqual([200, 200, 200, 200, 429]);
    await app.close();
  });

  it('a request rejected for its token consumes nothing', async () => {
    const { app } = await limitedApp({ clientMetadata: { 'svc-a': { rate_limit_per_minute: 2 } } });
    const expired = await issuer.sign({}, { expiresIn: -600 });
    const forged = await issuer.sign({}, { foreignKey: true });
    for (let i = 0; i < 5; i++) {
      const res = await hit(app, i % 2 === 0 ? expired : forged);
      expect(res.statusCode).toBe(401);
      expect(res.headers['ratelimit']).toBeUndefined();
    }
    const token = await issuer.client('svc-a');
    expect(await statuses(app, token, 3)).toEqual([200, 200, 429]);
    await app.close();
  });

  it('counts after verification and before the route requirement (a 403 carries the headers and counts)', async () => {
    const { app } = await limitedApp({ clientMetadata: { 'svc-a': { rate_limit_per_minute: 2 } } });
    const token = await issuer.client('svc-a');
    const forbidden = await hit(app, token, '/scoped');
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.headers['ratelimit']).toBe('"client";r=1;t=65');
    expect(forbidden.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", scope="data:write"',
    );
    expect(await statuses(app, token, 2)).toEqual([200, 429]);
    await app.close();
  });

  it('public routes are not counted', async () => {
    const { app } = await limitedApp({ clientMetadata: { 'svc-a': { rate_limit_per_minute: 1 } } });
    const token = await issuer.client('svc-a');
    expect(await statuses(app, token, 3, '/health')).toEqual([200, 200, 200]);
    expect(await statuses(app, token, 2)).toEqual([200, 429]);
    await app.close();
  });

  it('a shared limiter keeps one budget across registrations and is not closed by the plugin', async () => {
    const store = createMemoryStore({ now: () => T0 });
    const close = vi.spyOn(store, 'close');
    const limiter = createRateLimiter({ clientMetadata: { 'svc-a': { rate_limit_per_minute: 2 } }, store });
    const app = Fastify();
    for (const prefix of ['/one', '/two']) {
      await app.register(
        async (child) => {
          await child.register(scopegate, { ...issuer.verifierOptions, rateLimit: limiter });
          child.get('/', async () => 'ok');
        },
        { prefix },
      );
    }
    const token = await issuer.client('svc-a');
    expect((await hit(app, token, '/one/')).statusCode).toBe(200);
    expect((await hit(app, token, '/two/')).statusCode).toBe(200);
    expect((await hit(app, token, '/one/')).statusCode).toBe(429);
    await app.close();
    expect(close).not.toHaveBeenCalled();
  });

  it('closing the app closes the guard', async () => {
    const { app } = await limitedApp({ defaultPerMinute: 5 });
    const close = vi.spyOn(app.scopegate.guard, 'close');
    await app.close();
    expect(close).toHaveBeenCalledTimes(1);
  });
});
