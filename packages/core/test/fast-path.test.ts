/**
 * The synchronous fast path: `guard.authenticateNow` answers without a
 * promise exactly when nothing has to wait, and always answers the same as
 * the promise-based `authenticate`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidTokenError,
  RateLimitedError,
  TemporarilyUnavailableError,
  TokenExpiredError,
} from '../src/errors.js';
import { createGuard, type GuardResult } from '../src/guard.js';
import { createMemoryStore } from '../src/rate-limit/memory-store.js';
import {
  createRateLimiter,
  type RateLimitDecision,
  type RateLimiter,
} from '../src/rate-limit/rate-limiter.js';
import type { RateLimitStore, ScopegateEvent, VerifiedToken, Verifier } from '../src/types.js';
import { createVerifier } from '../src/verifier.js';
import { type LocalIssuer, startLocalIssuer } from './helpers/local-issuer.js';
import { AUDIENCE, baseClaims, ISSUER, jwksOf, NOW_MS, sign, testKey } from './support/tokens.js';

const now = () => NOW_MS;

// One local issuer (discovery + JWK Set on 127.0.0.1) for the tests whose keys have to be fetched.
let idp: LocalIssuer;
beforeAll(async () => {
  idp = await startLocalIssuer();
});
afterAll(() => idp.close());
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const isPromise = (value: unknown): value is Promise<unknown> => value instanceof Promise;

/** A verifier with its (static) keys already imported: importing is the one step that waits. */
async function localVerifier() {
  const verifier = createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwks: await jwksOf(testKey('ES256')),
    now,
  });
  await verifier.warmup();
  return verifier;
}

/** The parts of a result both paths must agree on (the error instance itself differs). */
function shape(result: GuardResult) {
  return result.ok
    ? { ok: true, subject: result.auth.subject, headers: result.headers }
    : {
        ok: false,
        status: result.status,
        headers: result.headers,
        body: result.body,
        code: result.error.code,
      };
}

describe('guard.authenticateNow with a local key set and the in-memory limiter', () => {
  it('answers synchronously, exactly as authenticate() does, for every outcome', async () => {
    const verifier = await localVerifier();
    const store = createMemoryStore({ now });
    const options = { verifier, rateLimit: { defaultPerMinute: 2, store } };
    const fast = createGuard(options);
    const slow = createGuard({
      ...options,
      rateLimit: { defaultPerMinute: 2, store: createMemoryStore({ now }) },
    });
    const valid = await sign('ES256');
    const other = await sign('ES256', baseClaims({ client_id: 'other', sub: 'other' }));
    const cases: [string, { authorization: string | undefined }, { scopes: string[] } | undefined][] = [
      ['no token', { authorization: undefined }, undefined],
      ['malformed header', { authorization: 'Bearer a b' }, undefined],
      ['forged token', bearer(`${valid.slice(0, -4)}AAAA`), undefined],
      ['valid, first use', bearer(valid), undefined],
      ['valid, missing scope (403 counts)', bearer(valid), { scopes: ['admin'] }],
      ['valid, over the limit (429)', bearer(valid), undefined],
      ['another client, own limit', bearer(other), { scopes: ['data:read'] }],
    ];
    for (const [name, credentials, requirement] of cases) {
      const now = fast.authenticateNow(credentials, requirement);
      expect(isPromise(now), name).toBe(false);
      const later = await slow.authenticate(credentials, requirement);
      expect(shape(now as GuardResult), name).toEqual(shape(later));
    }
  });

  it('still gives authenticate() callers a promise', async () => {
    const guard = createGuard({ verifier: await localVerifier() });
    const pending = guard.authenticate(bearer(await sign('ES256')));
    expect(isPromise(pending)).toBe(true);
    expect((await pending).ok).toBe(true);
  });
});

describe('guard.authenticateNow for a token already verified, and for a new one', () => {
  // The guard hands the rest of a "Bearer " header to core's verifier (cache first) before
  // reading the header's characters, and reads them again only when the token is refused.
  // Every header must get the answer of a guard that reads the header first: one whose
  // verifier is a wrapper, which the guard can only call through its public verify().
  it('answers every header exactly as the full header check does', async () => {
    const token = await sign('ES256');
    const forged = `${token.slice(0, -4)}AAAA`;
    const warm = await localVerifier();
    await warm.verify(token); // cached from here on
    const cold = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: await jwksOf(testKey('ES256')),
      now,
      tokenCache: false,
    });
    await cold.warmup();
    const wrapper: Verifier = { ...cold, verify: (t: string) => cold.verify(t) };
    const fast = createGuard({ verifier: warm });
    const uncached = createGuard({ verifier: cold });
    const full = createGuard({ verifier: wrapper });
    const headers: (string | string[])[] = [
      `Bearer ${token}`,
      `Bearer    ${token}`,
      `bearer ${token}`,
      `Bearer ${token} `,
      `Bearer ${token}=`,
      `Bearer ${token}!`,
      `Bearer ${token}\t`,
      `Bearer ${token}.x`,
      `Bearer ${token.slice(0, -1)}`,
      `Bearer  ${token}${token}`,
      `Bearer\t${token}`,
      `Bearer ${token.replace('.', '..')}`,
      `Bearer ${token.replace('.', '+')}`,
      `Bearer ${token.replace('.', '~')}`,
      `Bearer ${token.replace('.', '"')}`,
      `Bearer ${forged}`,
      `Bearer ${forged}~`,
      `Bearer ${forged} x`,
      `Bearer a.b.c`,
      `Bearer a.b.c.d.e`,
      `Bearer abc==`,
      `Bearer a=b`,
      `Bearer ${'x'.repeat(9000)}`,
      `Bearer ${'x'.repeat(9000)}!`,
      'Bearer ',
      'Bearer  ',
      [`Bearer ${token}`],
      [`Bearer ${token}`, `Bearer ${token}`],
    ];
    const places = [{}, { query: { access_token: token } }, { body: { access_token: 'x' } }];
    for (const authorization of headers)
      for (const elsewhere of places) {
        const credentials = { authorization, ...elsewhere };
        const name = JSON.stringify(credentials).replaceAll(token, 'T').slice(0, 200);
        const expected = shape(await full.authenticate(credentials, { scopes: ['data:read'] }));
        const answer = fast.authenticateNow(credentials, { scopes: ['data:read'] });
        expect(isPromise(answer), name).toBe(false);
        expect(shape(answer as GuardResult), name).toEqual(expected);
        const fresh = uncached.authenticateNow(credentials, { scopes: ['data:read'] });
        expect(isPromise(fresh), name).toBe(false);
        expect(shape(fresh as GuardResult), name).toEqual(expected);
      }
  });

  it('never throws, even for credentials that throw when read (500 instead)', async () => {
    const verifier = await localVerifier();
    const token = await sign('ES256');
    await verifier.verify(token); // cached: found before the header is read
    const guard = createGuard({ verifier });
    const throwing = {
      authorization: `Bearer ${token}`,
      get query(): unknown {
        throw new Error('query parser exploded');
      },
    };
    for (const credentials of [undefined, throwing]) {
      const answer = guard.authenticateNow(credentials as unknown as { authorization: string });
      expect(isPromise(answer)).toBe(false);
      expect((answer as GuardResult).ok).toBe(false);
      expect(!(answer as GuardResult).ok && (answer as { status: number }).status).toBe(500);
    }
  });

  it('re-checks the time window: an expired cached token gets the full answer (401 expired)', async () => {
    let clock = NOW_MS;
    const verifier = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: await jwksOf(testKey('ES256')),
      now: () => clock,
    });
    await verifier.warmup();
    const guard = createGuard({ verifier });
    const token = await sign('ES256', baseClaims({ exp: Math.floor(NOW_MS / 1000) + 60 }));
    expect((guard.authenticateNow(bearer(token)) as GuardResult).ok).toBe(true);
    clock = NOW_MS + 120_000;
    const later = guard.authenticateNow(bearer(token)) as GuardResult;
    expect(later.ok).toBe(false);
    expect(!later.ok && later.error).toBeInstanceOf(TokenExpiredError);
  });
});

describe('guard.authenticateNow when something has to wait', () => {
  it('returns a promise while the key set is being fetched, then answers synchronously', async () => {
    const verifier = createVerifier({ issuer: idp.issuer, audience: 'api', jwksUri: idp.jwksUri });
    const guard = createGuard({ verifier });
    const token = await idp.sign({ sub: 'svc', aud: 'api', client_id: 'svc' });
    const first = guard.authenticateNow(bearer(token));
    expect(isPromise(first)).toBe(true);
    expect((await first).ok).toBe(true);
    const second = guard.authenticateNow(bearer(token));
    expect(isPromise(second)).toBe(false);
    expect((second as GuardResult).ok).toBe(true);
  });

  it('answers 503 through the promise when keys cannot be had', async () => {
    const verifier = createVerifier({
      issuer: idp.issuer,
      audience: 'api',
      jwksUri: idp.url('/missing-jwks.json'),
    });
    const result = await createGuard({ verifier }).authenticateNow(
      bearer(await idp.sign({ sub: 'svc', aud: 'api' })),
    );
    expect(result).toMatchObject({ ok: false, status: 503, body: { error: 'temporarily_unavailable' } });
  });

  it('awaits a store that is not the in-memory one', async () => {
    const consumed: string[] = [];
    const store: RateLimitStore = {
      async consume(key, limit) {
        consumed.push(key);
        return { allowed: true, limit, remaining: limit - 1, resetSeconds: 60 };
      },
    };
    const guard = createGuard({ verifier: await localVerifier(), rateLimit: { defaultPerMinute: 5, store } });
    const result = guard.authenticateNow(bearer(await sign('ES256')));
    expect(isPromise(result)).toBe(true);
    expect(await result).toMatchObject({ ok: true, headers: { ratelimit: '"client";r=4;t=60' } });
    expect(consumed).toEqual(['client:nightly-data-sync']);
  });

  it('hands adapters a native promise when a store returns some other thenable', async () => {
    const store = {
      consume: (_key: string, limit: number) => ({
        // biome-ignore lint/suspicious/noThenProperty: a thenable that is not a Promise, as some client libraries return
        then(resolve: (value: unknown) => void) {
          resolve({ allowed: true, limit, remaining: 0, resetSeconds: 60 });
        },
      }),
    } as unknown as RateLimitStore;
    const guard = createGuard({ verifier: await localVerifier(), rateLimit: { defaultPerMinute: 1, store } });
    const result = guard.authenticateNow(bearer(await sign('ES256')));
    expect(result).toBeInstanceOf(Promise);
    expect(await result).toMatchObject({ ok: true, headers: { ratelimit: '"client";r=0;t=60' } });
  });

  it('awaits client metadata that is looked up asynchronously', async () => {
    const guard = createGuard({
      verifier: await localVerifier(),
      rateLimit: {
        clientMetadata: async () => ({ rate_limit_per_minute: 1 }),
        store: createMemoryStore({ now }),
      },
    });
    const token = await sign('ES256');
    const first = guard.authenticateNow(bearer(token));
    expect(isPromise(first)).toBe(true);
    expect((await first).ok).toBe(true);
    const second = await guard.authenticateNow(bearer(token));
    expect(second).toMatchObject({ ok: false, status: 429, headers: { 'retry-after': expect.any(String) } });
    expect(second.ok === false && second.error).toBeInstanceOf(RateLimitedError);
  });

  it('awaits a verifier that is not core’s own, and turns its synchronous throw into a 500', async () => {
    const auth = { subject: 'svc', subjectType: 'client', clientId: 'svc', scopes: new Set(['x']) };
    const custom: Verifier = {
      realm: 'api',
      verify: (token) => {
        if (token === 'throws') throw new Error('internal detail');
        return Promise.resolve({ token, ...auth } as unknown as VerifiedToken);
      },
      authorize: () => Promise.reject(new Error('not used')),
      warmup: () => Promise.resolve(),
    };
    const guard = createGuard({ verifier: custom });
    const ok = guard.authenticateNow(bearer('fine'));
    expect(isPromise(ok)).toBe(true);
    expect((await ok).ok).toBe(true);
    const thrown = guard.authenticateNow(bearer('throws'));
    expect(isPromise(thrown)).toBe(false);
    expect(thrown).toMatchObject({ ok: false, status: 500, body: { error: 'server_error' } });
    expect(JSON.stringify((thrown as GuardResult & { ok: false }).body)).not.toContain('internal detail');
  });

  it('calls a RateLimiter passed in as a method (its `this` intact)', async () => {
    class CountingLimiter implements RateLimiter {
      count = 0;
      check(): Promise<RateLimitDecision> {
        this.count++;
        return Promise.resolve({ allowed: true, headers: { ratelimit: `"custom";r=${9 - this.count};t=1` } });
      }
      close(): Promise<void> {
        return Promise.resolve();
      }
    }
    const limiter = new CountingLimiter();
    const guard = createGuard({ verifier: await localVerifier(), rateLimit: limiter });
    const result = await guard.authenticateNow(bearer(await sign('ES256')));
    expect(result).toMatchObject({ ok: true, headers: { ratelimit: '"custom";r=8;t=1' } });
    expect(limiter.count).toBe(1);
  });
});

describe('wrappers built by spreading core objects', () => {
  it('runs a verify() that replaced the original (the fast path goes with the method)', async () => {
    const base = await localVerifier();
    const revoked = new Set(['nightly-data-sync']);
    const wrapped: Verifier = {
      ...base,
      async verify(token) {
        const auth = await base.verify(token);
        if (revoked.has(auth.subject)) throw new InvalidTokenError('revoked', 'the token was revoked');
        return auth;
      },
    };
    const token = await sign('ES256');
    await expect(wrapped.verify(token)).rejects.toBeInstanceOf(InvalidTokenError);
    const result = await createGuard({ verifier: wrapped }).authenticateNow(bearer(token));
    expect(result).toMatchObject({ ok: false, status: 401, body: { error: 'invalid_token' } });
    // Spreading without replacing verify keeps the synchronous path.
    const renamed = createGuard({ verifier: { ...base, realm: 'other' } }).authenticateNow(bearer(token));
    expect(isPromise(renamed)).toBe(false);
  });

  it('calls a consume() that replaced the in-memory one, and a check() that replaced the limiter’s', async () => {
    const memory = createMemoryStore({ now });
    const keys: string[] = [];
    const store = {
      ...memory,
      consume(key: string, limit: number, window: number) {
        keys.push(key);
        return memory.consume(key, limit, window);
      },
    };
    const limiter = createRateLimiter({ defaultPerMinute: 5, store });
    let checks = 0;
    const counted = {
      ...limiter,
      check(auth: VerifiedToken) {
        checks++;
        return limiter.check(auth);
      },
    };
    const guard = createGuard({ verifier: await localVerifier(), rateLimit: counted });
    const result = await guard.authenticateNow(bearer(await sign('ES256')));
    expect(result).toMatchObject({
      ok: true,
      headers: { ratelimit: expect.stringMatching(/^"client";r=4;t=\d+$/) },
    });
    expect(keys).toEqual(['client:nightly-data-sync']);
    expect(checks).toBe(1);
  });

  it('answers 500 (never throws or rejects) for a custom limiter whose decision is malformed', async () => {
    const broken: RateLimiter = {
      check: () => Promise.resolve(undefined as unknown as RateLimitDecision),
      close: () => Promise.resolve(),
    };
    const guard = createGuard({ verifier: await localVerifier(), rateLimit: broken });
    const pending = guard.authenticate(bearer(await sign('ES256')));
    await expect(pending).resolves.toMatchObject({ ok: false, status: 500, body: { error: 'server_error' } });
  });
});

describe('rate limiter failures on the synchronous path', () => {
  const auth = {
    token: 't',
    subject: 'svc',
    subjectType: 'client',
    clientId: 'svc',
    scopes: new Set<string>(),
  } as unknown as VerifiedToken;

  it('fails open, and reports it, when a store throws synchronously', async () => {
    const events: ScopegateEvent[] = [];
    const store: RateLimitStore = {
      consume: () => {
        throw new Error('socket closed');
      },
    };
    const limiter = createRateLimiter({ defaultPerMinute: 1, store, onEvent: (e) => events.push(e) });
    await expect(limiter.check(auth)).resolves.toMatchObject({ allowed: true, headers: {} });
    expect(events).toEqual([{ type: 'rate_limit_store_failed', error: 'socket closed' }]);
  });

  it('rejects check() with a ScopegateError a store throws synchronously (fail closed)', async () => {
    const store: RateLimitStore = {
      consume: () => {
        throw new TemporarilyUnavailableError('rate limits unavailable', { retryAfter: 5 });
      },
    };
    const limiter = createRateLimiter({ defaultPerMinute: 1, store });
    const pending = limiter.check(auth);
    expect(isPromise(pending)).toBe(true);
    await expect(pending).rejects.toBeInstanceOf(TemporarilyUnavailableError);
  });

  it('keeps the in-memory store’s consume() promise-based for direct callers', async () => {
    const store = createMemoryStore({ now });
    const pending = store.consume('client:x', 1, 60);
    expect(isPromise(pending)).toBe(true);
    await expect(pending).resolves.toMatchObject({ allowed: true, remaining: 0 });
    await expect(store.consume('client:x', 1, 60)).resolves.toMatchObject({ allowed: false });
  });
});

describe('verifier promises', () => {
  it('verify() and authorize() return promises for cached and uncached tokens alike', async () => {
    const verifier = await localVerifier();
    const token = await sign('ES256');
    for (let i = 0; i < 2; i++) {
      const verified = verifier.verify(token);
      expect(isPromise(verified)).toBe(true);
      expect((await verified).subject).toBe('nightly-data-sync');
      const decision = verifier.authorize(`Bearer ${token}`, { scopes: ['data:read'] });
      expect(isPromise(decision)).toBe(true);
      expect((await decision).ok).toBe(true);
    }
    await expect(verifier.verify('nope')).rejects.toMatchObject({ code: 'invalid_token' });
    await expect(verifier.authorize('Basic x')).resolves.toMatchObject({ ok: false, status: 401 });
    await expect(verifier.authorize(`Bearer ${token}`, { scopes: ['admin'] })).resolves.toMatchObject({
      ok: false,
      status: 403,
    });
  });
});

describe('verifier.verifySync', () => {
  it('verifies synchronously once keys are loaded, with the same result and cache as verify()', async () => {
    const verifier = await localVerifier();
    const token = await sign('ES256');
    const now = verifier.verifySync(token);
    expect(now.subject).toBe('nightly-data-sync');
    expect(verifier.verifySync(token)).toBe(now);
    expect(await verifier.verify(token)).toBe(now);
  });

  it('throws the same ScopegateErrors as verify() rejects with', async () => {
    const verifier = await localVerifier();
    const valid = await sign('ES256');
    const expired = await sign('ES256', baseClaims({ exp: NOW_MS / 1000 - 3600, iat: NOW_MS / 1000 - 7200 }));
    const wrongAudience = await sign('ES256', baseClaims({ aud: 'https://other.example.com' }));
    const forged = `${valid.slice(0, -4)}AAAA`;
    for (const token of ['not-a-jwt', forged, expired, wrongAudience, 'x'.repeat(10_000)]) {
      let thrown: unknown;
      try {
        verifier.verifySync(token);
      } catch (error) {
        thrown = error;
      }
      const rejected = await verifier.verify(token).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(thrown).toBeInstanceOf(Error);
      expect(thrown).toMatchObject({
        code: (rejected as { code: string }).code,
        reason: (rejected as { reason: string }).reason,
        status: (rejected as { status: number }).status,
      });
    }
  });

  it('answers 503 keys_not_loaded until the key set is loaded, loading it in the background', async () => {
    const verifier = createVerifier({ issuer: idp.issuer, audience: 'api', jwksUri: idp.jwksUri });
    const token = await idp.sign({ sub: 'svc', aud: 'api', client_id: 'svc' });
    idp.resetCounts();
    expect(() => verifier.verifySync(token)).toThrow(
      expect.objectContaining({ status: 503, reason: 'keys_not_loaded', retryAfter: 1 }),
    );
    expect(() => verifier.verifySync(token)).toThrow(TemporarilyUnavailableError);
    await expect.poll(() => idp.count(idp.paths.jwks)).toBeGreaterThanOrEqual(1);
    await expect
      .poll(() => {
        try {
          return verifier.verifySync(token).subject;
        } catch {
          return undefined;
        }
      })
      .toBe('svc');
    expect(idp.count(idp.paths.jwks)).toBe(1);
  });

  it('does not leave an unhandled rejection when the background load fails', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const verifier = createVerifier({
        issuer: idp.issuer,
        audience: 'api',
        jwksUri: idp.url('/gone.json'),
      });
      const token = await idp.sign({ sub: 'svc', aud: 'api' });
      expect(() => verifier.verifySync(token)).toThrow(TemporarilyUnavailableError);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(unhandled).toEqual([]);
      await expect(verifier.verify(token)).rejects.toMatchObject({ status: 503 });
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
