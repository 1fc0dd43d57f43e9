import { randomUUID } from 'node:crypto';
import { jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AlgorithmNotAllowedError,
  ConfigurationError,
  KeyNotFoundError,
  TemporarilyUnavailableError,
} from '../src/errors.js';
import { JwksCache, type JwksCacheConfig } from '../src/keys/jwks-cache.js';
import type { VerificationKey } from '../src/keys/key-source.js';
import { createRemoteKeySource } from '../src/keys/remote-key-source.js';
import type { Jwk, JwkSet, JwtHeader, ScopegateEvent } from '../src/types.js';
import { createVerifier } from '../src/verifier.js';
import { type LocalIssuer, startLocalIssuer } from './helpers/local-issuer.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let idp: LocalIssuer;
let t: number;
let events: ScopegateEvent[];

beforeEach(async () => {
  idp = await startLocalIssuer();
  t = 1_000_000;
  events = [];
});
afterEach(async () => {
  await idp.close();
});

function makeCache(overrides: Partial<JwksCacheConfig> = {}): JwksCache {
  return new JwksCache({
    jwksUri: idp.jwksUri,
    now: () => t,
    onEvent: (event) => events.push(event),
    timeoutMs: 1_000,
    ...overrides,
  });
}

const header = (kid?: string, alg = 'RS256'): JwtHeader => (kid === undefined ? { alg } : { alg, kid });
const jwksFetches = () => idp.count(idp.paths.jwks);
const ofType = (type: ScopegateEvent['type']) => events.filter((e) => e.type === type);

/** getKey that must answer synchronously with a key (the hot path). */
function syncKey(cache: JwksCache, h: JwtHeader): VerificationKey {
  const result = cache.getKey(h);
  expect(result).not.toBeInstanceOf(Promise);
  return result as VerificationKey;
}

/** getKey that must throw synchronously (fail fast, no await). */
function syncThrow(cache: JwksCache, h: JwtHeader): unknown {
  try {
    const result = cache.getKey(h);
    if (result instanceof Promise) result.catch(() => {});
    expect.unreachable('getKey should have thrown synchronously');
  } catch (error) {
    return error;
  }
}

describe('lazy fetching and sharing', () => {
  it('fetches nothing until the first getKey, then serves from memory synchronously', async () => {
    const cache = makeCache();
    expect(jwksFetches()).toBe(0);
    const first = cache.getKey(header(idp.currentKid));
    expect(first).toBeInstanceOf(Promise);
    expect((await first).kid).toBe(idp.currentKid);
    expect(syncKey(cache, header(idp.currentKid)).kid).toBe(idp.currentKid);
    expect(syncKey(cache, header(undefined)).kid).toBe(idp.currentKid); // no kid: the only fitting key
    expect(jwksFetches()).toBe(1);
    expect(events).toEqual([
      { type: 'jwks_fetch', uri: idp.jwksUri, keys: 1, durationMs: expect.any(Number) },
    ]);
  });

  it('200 concurrent cold getKey calls share exactly 1 JWKS fetch', async () => {
    idp.setRoute(idp.paths.jwks, { kind: 'delay', ms: 50 });
    const cache = makeCache();
    const keys = await Promise.all(Array.from({ length: 200 }, () => cache.getKey(header(idp.currentKid))));
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]?.kid).toBe(idp.currentKid);
    expect(jwksFetches()).toBe(1);
  });

  it('200 concurrent cold verifies through the remote key source = 1 fetch, and they verify', async () => {
    const token = await idp.sign({ sub: 'svc', aud: 'api' });
    const source = createRemoteKeySource({ issuer: idp.issuer, jwksUri: idp.jwksUri, now: () => t });
    const results = await Promise.all(
      Array.from({ length: 200 }, async () => {
        const key = await source.getKey(header(idp.currentKid));
        return (await jwtVerify(token, key.keyObject, { issuer: idp.issuer })).payload.sub;
      }),
    );
    expect(results.every((sub) => sub === 'svc')).toBe(true);
    expect(jwksFetches()).toBe(1);
    expect(idp.count(idp.paths.openid)).toBe(0);
  });

  it('warmup loads the keys once and is a no-op while they are fresh', async () => {
    const cache = makeCache();
    await Promise.all([cache.warmup(), cache.warmup(), cache.warmup()]);
    await cache.warmup();
    expect(jwksFetches()).toBe(1);
    expect(cache.status()).toMatchObject({ keys: 1, fetchedAt: t, maxAgeMs: 10 * MINUTE, stale: false });
  });
});

describe('unknown kid', () => {
  it('a flood of random kids causes at most 1 fetch per cooldown, and fails fast in between', async () => {
    const cache = makeCache();
    await cache.warmup();
    // right after a fetch: cooldown running, every unknown kid fails synchronously
    for (let i = 0; i < 500; i++)
      expect(syncThrow(cache, header(randomUUID()))).toBeInstanceOf(KeyNotFoundError);
    expect(jwksFetches()).toBe(1);

    for (let period = 1; period <= 3; period++) {
      t += 30_000;
      const flood = Array.from({ length: 200 }, () => {
        try {
          return Promise.resolve(cache.getKey(header(randomUUID())));
        } catch (error) {
          return Promise.reject(error);
        }
      });
      const settled = await Promise.allSettled(flood);
      expect(settled.every((r) => r.status === 'rejected' && r.reason instanceof KeyNotFoundError)).toBe(
        true,
      );
      t += 29_999; // still inside this cooldown
      expect(syncThrow(cache, header(randomUUID()))).toBeInstanceOf(KeyNotFoundError);
      t -= 29_999;
      expect(jwksFetches()).toBe(1 + period);
    }
    expect(ofType('jwks_refetch_unknown_kid')).toHaveLength(3);
    // the known key was never disturbed
    expect(syncKey(cache, header(idp.currentKid)).kid).toBe(idp.currentKid);
  });

  it('a rotation is picked up: new kid -> one refetch -> verifies; the old kid is gone', async () => {
    const cache = makeCache();
    const oldKid = idp.currentKid;
    await cache.warmup();
    const newKid = await idp.rotate('ES256');
    const token = await idp.sign({ sub: 'svc' });
    t += 30_000;
    const pending = cache.getKey(header(newKid, 'ES256'));
    expect(pending).toBeInstanceOf(Promise);
    const key = await pending;
    expect(key.kid).toBe(newKid);
    await expect(jwtVerify(token, key.keyObject)).resolves.toMatchObject({ payload: { sub: 'svc' } });
    expect(jwksFetches()).toBe(2);
    expect(ofType('jwks_refetch_unknown_kid')).toEqual([
      { type: 'jwks_refetch_unknown_kid', uri: idp.jwksUri },
    ]);
    expect(syncThrow(cache, header(oldKid))).toBeInstanceOf(KeyNotFoundError);
    expect(syncKey(cache, header(newKid, 'ES256')).kid).toBe(newKid);
    expect(jwksFetches()).toBe(2);
  });

  it('a new kid within the cooldown of the last fetch is refused until the cooldown ends', async () => {
    const cache = makeCache({ cooldownMs: 10_000 });
    await cache.warmup();
    const newKid = await idp.rotate();
    t += 9_999;
    expect(syncThrow(cache, header(newKid))).toBeInstanceOf(KeyNotFoundError);
    t += 1;
    expect((await cache.getKey(header(newKid))).kid).toBe(newKid);
    expect(jwksFetches()).toBe(2);
  });

  it('an unknown kid waits for a refresh already in flight instead of fetching again', async () => {
    const cache = makeCache();
    await cache.warmup();
    const newKid = await idp.rotate(undefined, { keepOld: true });
    idp.setRoute(idp.paths.jwks, { kind: 'delay', ms: 100 });
    t += 10 * MINUTE; // stale: the next getKey starts a background refresh
    const oldKid = idp.jwks().keys[0]?.kid as string;
    expect(syncKey(cache, header(oldKid)).kid).toBe(oldKid);
    expect((await cache.getKey(header(newKid))).kid).toBe(newKid);
    expect(jwksFetches()).toBe(2);
    expect(ofType('jwks_refetch_unknown_kid')).toHaveLength(0);
  });

  it('an unknown kid whose refetch fails is a 401 while the old keys are held', async () => {
    const cache = makeCache();
    await cache.warmup();
    idp.setRoute(idp.paths.jwks, { kind: 'status', status: 500 });
    t += 30_000;
    await expect(cache.getKey(header('rotated-away'))).rejects.toBeInstanceOf(KeyNotFoundError);
    expect(jwksFetches()).toBe(2);
    expect(syncKey(cache, header(idp.currentKid)).kid).toBe(idp.currentKid);
  });

  it('a kid that exists with another alg is AlgorithmNotAllowedError, without a fetch', async () => {
    const cache = makeCache();
    await cache.warmup();
    expect(syncThrow(cache, header(idp.currentKid, 'ES256'))).toBeInstanceOf(AlgorithmNotAllowedError);
    expect(syncThrow(cache, header(idp.currentKid, 'PS256'))).toBeInstanceOf(AlgorithmNotAllowedError);
    expect(jwksFetches()).toBe(1);
  });
});

describe('max age and background refresh', () => {
  it('serves stale keys immediately while one background refresh runs (stale-while-revalidate)', async () => {
    const cache = makeCache();
    await cache.warmup();
    idp.setRoute(idp.paths.jwks, { kind: 'delay', ms: 200 });
    t += 10 * MINUTE - 1;
    syncKey(cache, header(idp.currentKid));
    expect(cache.status().fetching).toBe(false);
    t += 1;
    for (let i = 0; i < 50; i++) syncKey(cache, header(idp.currentKid));
    expect(cache.status()).toMatchObject({ fetching: true, stale: true });
    await cache.settled();
    expect(jwksFetches()).toBe(2);
    expect(cache.status()).toMatchObject({ fetching: false, stale: false, fetchedAt: t });
  });

  it('never waits on the network when keys are cached, even if the refresh hangs', async () => {
    const cache = makeCache({ timeoutMs: 300 });
    await cache.warmup();
    idp.setRoute(idp.paths.jwks, { kind: 'hang' });
    t += 11 * MINUTE;
    for (let i = 0; i < 20; i++) syncKey(cache, header(idp.currentKid));
    await cache.settled();
    expect(jwksFetches()).toBe(2);
    expect(ofType('jwks_fetch_failed')).toEqual([
      {
        type: 'jwks_fetch_failed',
        uri: idp.jwksUri,
        error: expect.stringMatching(/^timed out after \d+ ms$/),
        stale: true,
      },
    ]);
  });

  it('honours Cache-Control max-age', async () => {
    idp.setCacheControl('public, max-age=120');
    const cache = makeCache();
    await cache.warmup();
    expect(cache.status().maxAgeMs).toBe(120_000);
    t += 119_999;
    syncKey(cache, header(idp.currentKid));
    await cache.settled();
    expect(jwksFetches()).toBe(1);
    t += 1;
    syncKey(cache, header(idp.currentKid));
    await cache.settled();
    expect(jwksFetches()).toBe(2);
  });

  it.each([
    ['max-age=5', 60_000],
    ['no-store', 60_000],
    ['max-age=999999999', 24 * HOUR],
    ['private', 10 * MINUTE],
  ])('clamps Cache-Control %s to [minMaxAgeMs, maxMaxAgeMs] -> %d ms', async (value, expected) => {
    idp.setCacheControl(value);
    const cache = makeCache();
    await cache.warmup();
    expect(cache.status().maxAgeMs).toBe(expected);
  });

  it('uses custom bounds and max age', async () => {
    idp.setCacheControl('max-age=5');
    const cache = makeCache({ minMaxAgeMs: 1_000, maxAgeMs: 2_000 });
    await cache.warmup();
    expect(cache.status().maxAgeMs).toBe(5_000);
    idp.setCacheControl(undefined);
    t += 5_000;
    await cache.warmup();
    expect(cache.status().maxAgeMs).toBe(2_000);
    expect(jwksFetches()).toBe(2);
  });
});

describe('stale-if-error', () => {
  it('keeps serving the last good keys through an outage, reports it, and drops them after the window', async () => {
    const cache = makeCache();
    await cache.warmup();
    const fetchedAt = t;
    idp.setRoute(idp.paths.jwks, { kind: 'status', status: 500 });

    t += 10 * MINUTE;
    expect(syncKey(cache, header(idp.currentKid)).kid).toBe(idp.currentKid);
    await cache.settled();
    expect(jwksFetches()).toBe(2);
    expect(ofType('jwks_fetch_failed')).toEqual([
      { type: 'jwks_fetch_failed', uri: idp.jwksUri, error: 'HTTP 500', stale: true },
    ]);
    expect(ofType('jwks_stale')).toEqual([{ type: 'jwks_stale', uri: idp.jwksUri, ageMs: 10 * MINUTE }]);

    // inside the failure backoff: served, no new request
    t += 4_999;
    syncKey(cache, header(idp.currentKid));
    expect(jwksFetches()).toBe(2);
    // after it: one more background attempt
    t += 1;
    syncKey(cache, header(idp.currentKid));
    await cache.settled();
    expect(jwksFetches()).toBe(3);

    // last millisecond of the 24 h window
    t = fetchedAt + 10 * MINUTE + 24 * HOUR - 1;
    syncKey(cache, header(idp.currentKid));
    await cache.settled();
    expect(jwksFetches()).toBe(4);

    // window over: keys dropped; inside the backoff of the last failure: 503 at once
    t += 1;
    expect(syncThrow(cache, header(idp.currentKid))).toBeInstanceOf(TemporarilyUnavailableError);
    expect(cache.status().keys).toBe(0);
    expect(jwksFetches()).toBe(4);
    // after the backoff: requests wait for a fetch and get 503
    t += 5_000;
    const pending = cache.getKey(header(idp.currentKid));
    expect(pending).toBeInstanceOf(Promise);
    await expect(pending).rejects.toBeInstanceOf(TemporarilyUnavailableError);
    expect(cache.status().keys).toBe(0);
    expect(ofType('jwks_fetch_failed').at(-1)).toMatchObject({ stale: false });

    expect(jwksFetches()).toBe(5);
    // the issuer comes back: recovery after the backoff
    idp.resetRoutes();
    t += 5_000;
    expect((await cache.getKey(header(idp.currentKid))).kid).toBe(idp.currentKid);
  });

  it('treats a key set with zero usable keys as a failed fetch and keeps the old keys', async () => {
    const cache = makeCache();
    await cache.warmup();
    const encOnly = { keys: idp.jwks().keys.map((k) => ({ ...k, kid: 'enc-1', use: 'enc' })) };
    idp.setRoute(idp.paths.jwks, { kind: 'json', body: encOnly });
    t += 10 * MINUTE;
    syncKey(cache, header(idp.currentKid));
    await cache.settled();
    expect(ofType('jwks_fetch_failed')).toEqual([
      {
        type: 'jwks_fetch_failed',
        uri: idp.jwksUri,
        error: 'the JWK Set has no usable signing keys',
        stale: true,
      },
    ]);
    expect(syncKey(cache, header(idp.currentKid)).kid).toBe(idp.currentKid);
  });

  it('warmup resolves with stale keys when the refresh fails, and rejects with no keys at all', async () => {
    const cache = makeCache();
    await cache.warmup();
    idp.setRoute(idp.paths.jwks, { kind: 'status', status: 502 });
    t += 10 * MINUTE;
    await expect(cache.warmup()).resolves.toBeUndefined();
    await expect(cache.warmup()).resolves.toBeUndefined(); // in the backoff, still usable
    expect(jwksFetches()).toBe(2);
    const cold = makeCache();
    await expect(cold.warmup()).rejects.toBeInstanceOf(TemporarilyUnavailableError);
    await expect(cold.warmup()).rejects.toMatchObject({ status: 503 });
    expect(jwksFetches()).toBe(3);
  });
});

describe('no keys at all', () => {
  async function coldFailure(cache: JwksCache): Promise<TemporarilyUnavailableError> {
    const error = await Promise.resolve()
      .then(() => cache.getKey(header(idp.currentKid)))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(TemporarilyUnavailableError);
    return error as TemporarilyUnavailableError;
  }

  it('an issuer answering 500 gives 503 temporarily_unavailable with Retry-After', async () => {
    idp.setRoute(idp.paths.jwks, { kind: 'status', status: 500 });
    const error = await coldFailure(makeCache());
    expect(error.status).toBe(503);
    expect(error.code).toBe('temporarily_unavailable');
    expect(error.headers()).toEqual({ 'retry-after': '5' });
    expect(error.toBody()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'the authorization server keys are temporarily unavailable',
    });
  });

  it('a cold outage with a hanging issuer answers 503 within the timeout (all waiters at once)', async () => {
    idp.setRoute(idp.paths.jwks, { kind: 'hang' });
    const cache = makeCache({ timeoutMs: 500 });
    const started = Date.now();
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () => Promise.resolve(cache.getKey(header(idp.currentKid)))),
    );
    const elapsed = Date.now() - started;
    expect(
      results.every((r) => r.status === 'rejected' && r.reason instanceof TemporarilyUnavailableError),
    ).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(500 + 2_000); // correctness bound: never hangs past the timeout
    expect(jwksFetches()).toBe(1);
  });

  it('discovery and the JWKS request share one timeout budget', async () => {
    idp.setRoute(idp.paths.openid, { kind: 'delay', ms: 250 });
    idp.setRoute(idp.paths.jwks, { kind: 'hang' });
    const source = createRemoteKeySource({ issuer: idp.issuer, now: () => t, cache: { timeoutMs: 500 } });
    const started = Date.now();
    await expect(source.warmup()).rejects.toBeInstanceOf(TemporarilyUnavailableError);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(500 + 2_000);
    expect(idp.count(idp.paths.openid)).toBe(1);
    expect(idp.count(idp.paths.jwks)).toBe(1);
  });

  it('a stalled body is cut at the timeout too', async () => {
    idp.setRoute(idp.paths.jwks, { kind: 'stall' });
    const started = Date.now();
    await coldFailure(makeCache({ timeoutMs: 300 }));
    expect(Date.now() - started).toBeLessThan(300 + 2_000);
  });

  it('requests during the failure backoff fail fast without new fetches', async () => {
    idp.setRoute(idp.paths.jwks, { kind: 'status', status: 503 });
    const cache = makeCache();
    await coldFailure(cache);
    t += 2_000;
    for (let i = 0; i < 100; i++) {
      const error = syncThrow(cache, header(idp.currentKid));
      expect(error).toBeInstanceOf(TemporarilyUnavailableError);
      expect((error as TemporarilyUnavailableError).retryAfter).toBe(3);
    }
    expect(jwksFetches()).toBe(1);
    t += 3_000;
    await coldFailure(cache);
    expect(jwksFetches()).toBe(2);
  });

  it.each([
    ['non-JSON', { kind: 'text', body: 'this is not json' }, 'response is not JSON'],
    ['a JSON array', { kind: 'json', body: [{ kty: 'RSA' }] }, 'response is not a JSON object'],
    ['keys not an array', { kind: 'json', body: { keys: 'nope' } }, 'the JWK Set has no keys array'],
    ['no keys member', { kind: 'json', body: { issuer: 'x' } }, 'the JWK Set has no keys array'],
    ['empty keys', { kind: 'json', body: { keys: [] } }, 'the JWK Set has no usable signing keys'],
    [
      'malformed keys',
      {
        kind: 'json',
        body: { keys: [null, 7, { kty: 'RSA', n: 1 }, { kty: 'EC', crv: 'P-999', x: 'a', y: 'b' }] },
      },
      'the JWK Set has no usable signing keys',
    ],
    ['an oversized body', { kind: 'huge', bytes: 2_000_000 }, 'response larger than 1048576 bytes'],
    [
      'a redirect to plain http',
      { kind: 'redirect', location: 'http://keys.example.com/jwks' },
      expect.stringMatching(/^http: is only allowed/),
    ],
  ] as const)('a garbage JWKS (%s) gives 503 and a short event', async (_name, behavior, reason) => {
    idp.setRoute(idp.paths.jwks, behavior as never);
    const error = await coldFailure(makeCache());
    expect(error.message).not.toContain('nope');
    expect(ofType('jwks_fetch_failed')).toEqual([
      { type: 'jwks_fetch_failed', uri: idp.jwksUri, error: reason, stale: false },
    ]);
  });

  it('ignores keys whose use is not sig', async () => {
    const encKid = await idp.addKey('RS256', { use: 'enc', kid: 'enc-key' });
    const noUseKid = await idp.addKey('ES256', { use: null, kid: 'no-use' });
    const cache = makeCache();
    await cache.warmup();
    expect(cache.status().keys).toBe(2);
    expect(syncKey(cache, header(noUseKid, 'ES256')).kid).toBe('no-use');
    expect(syncThrow(cache, header(encKid))).toBeInstanceOf(KeyNotFoundError);
  });

  it('keeps at most maxKeys keys', async () => {
    await idp.addKey('ES256');
    await idp.addKey('ES256');
    const cache = makeCache({ maxKeys: 2 });
    await cache.warmup();
    expect(cache.status().keys).toBe(2);
    expect(cache.exportJwks()?.keys).toHaveLength(2);
  });
});

describe('hydration, events and options', () => {
  it('neither holds nor exports a key published with its private part, and reports a fetched one', async () => {
    const withLeak = (): JwkSet => ({
      keys: [...idp.jwks().keys, { ...(idp.jwks().keys[0] as Jwk), kid: 'leaked', d: 'private-part' }],
    });
    const leaked = makeCache();
    await leaked.loadJwks(withLeak());
    expect(JSON.stringify(leaked.exportJwks())).not.toContain('leaked');
    // Seeding is not a fetch, so the unknown kid may refetch once: the issuer's set lacks it too.
    await expect(Promise.resolve().then(() => leaked.getKey(header('leaked')))).rejects.toBeInstanceOf(
      KeyNotFoundError,
    );

    const fetched = makeCache({ fetch: async () => Response.json(withLeak()) });
    await fetched.warmup();
    expect(syncKey(fetched, header(idp.currentKid)).kid).toBe(idp.currentKid);
    await expect(Promise.resolve().then(() => fetched.getKey(header('leaked')))).rejects.toBeInstanceOf(
      KeyNotFoundError,
    );
    const reports = ofType('misconfigured');
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ error: expect.stringMatching(/publishes 1 private key \(skipped\)/) });
    expect(JSON.stringify(reports)).not.toContain('private-part');
  });

  it('loadJwks seeds keys without a fetch; exportJwks round-trips public members only', async () => {
    const seeded = makeCache();
    const withExtras = {
      keys: idp.jwks().keys.map((k) => ({ ...k, x5u: 'https://example.com/x5', p: 'x' })),
    };
    await seeded.loadJwks(withExtras);
    expect(syncKey(seeded, header(idp.currentKid)).kid).toBe(idp.currentKid);
    expect(jwksFetches()).toBe(0);
    const exported = seeded.exportJwks();
    expect(exported).toEqual(idp.jwks());
    expect(JSON.stringify(exported)).not.toContain('example.com/x5');

    // an unknown kid right after seeding may refetch at once (seeding is not a fetch)
    const newKid = await idp.rotate();
    expect((await seeded.getKey(header(newKid))).kid).toBe(newKid);
    expect(jwksFetches()).toBe(1);

    const fresh = makeCache();
    await fresh.loadJwks(exported ?? { keys: [] }, { fetchedAt: t - 9 * MINUTE });
    const seededKid = exported?.keys[0]?.kid as string;
    expect(seededKid).not.toBe(newKid);
    syncKey(fresh, header(seededKid));
    expect(fresh.status()).toMatchObject({ fetchedAt: t - 9 * MINUTE, stale: false });
    await expect(fresh.loadJwks({ keys: [{ kty: 'oct', k: 'AAAA' }] })).rejects.toBeInstanceOf(
      ConfigurationError,
    );
    expect(makeCache().exportJwks()).toBeUndefined();
  });

  it('swallows exceptions thrown by onEvent', async () => {
    const cache = makeCache({
      onEvent: () => {
        throw new Error('handler bug');
      },
    });
    await expect(cache.getKey(header(idp.currentKid))).resolves.toMatchObject({ kid: idp.currentKid });
    const source = createRemoteKeySource({
      issuer: idp.issuer,
      onEvent: () => {
        throw new Error('handler bug');
      },
    });
    await expect(source.warmup()).resolves.toBeUndefined();
  });

  it('refuses invalid options', () => {
    expect(() => makeCache({ cooldownMs: -1 })).toThrow(ConfigurationError);
    expect(() => makeCache({ timeoutMs: Number.NaN })).toThrow(
      'jwksCache.timeoutMs must be a finite number >= 0',
    );
    expect(() => makeCache({ minMaxAgeMs: 10, maxMaxAgeMs: 5 })).toThrow(
      'jwksCache.minMaxAgeMs must not exceed jwksCache.maxMaxAgeMs',
    );
  });

  it('exposes the cache on the remote key source', async () => {
    const source = createRemoteKeySource({
      issuer: idp.issuer,
      jwksUri: idp.jwksUri,
      now: () => t,
      cache: { maxAgeMs: 1_000, minMaxAgeMs: 0 },
    });
    expect(source.issuer).toBe(idp.issuer);
    await source.warmup();
    expect(source.jwksCache.status()).toMatchObject({ keys: 1, maxAgeMs: 1_000, uri: idp.jwksUri });
    expect(source.getKey(header(idp.currentKid))).not.toBeInstanceOf(Promise);
  });
});

describe('through createVerifier', () => {
  it('verifies with discovered keys, picks up a rotation, and answers 503 on a cold outage', async () => {
    const verifier = createVerifier({ issuer: idp.issuer, audience: 'api', now: () => Date.now() });
    const token = await idp.sign({ sub: 'svc', aud: 'api', client_id: 'svc' });
    await expect(verifier.verify(token)).resolves.toMatchObject({ subject: 'svc', issuer: idp.issuer });
    expect(idp.count(idp.paths.openid)).toBe(1);
    expect(jwksFetches()).toBe(1);

    const down = await startLocalIssuer();
    down.setRoute(down.paths.jwks, { kind: 'hang' });
    try {
      const cold = createVerifier({
        issuer: down.issuer,
        audience: 'api',
        jwksUri: down.jwksUri,
        jwksCache: { timeoutMs: 300 },
      });
      const downToken = await down.sign({ sub: 'svc', aud: 'api' });
      await expect(cold.verify(downToken)).rejects.toMatchObject({
        status: 503,
        code: 'temporarily_unavailable',
      });
      const decision = await cold.authorize(`Bearer ${downToken}`);
      expect(decision).toMatchObject({ ok: false, status: 503, headers: { 'retry-after': '5' } });
      expect(down.count(down.paths.jwks)).toBe(1);
    } finally {
      await down.close();
    }
  });
});
