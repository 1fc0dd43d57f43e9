import { describe, expect, it, vi } from 'vitest';
import { ConfigurationError, RateLimitedError, TemporarilyUnavailableError } from '../src/errors.js';
import { claimMetadata } from '../src/rate-limit/claim-metadata.js';
import { createMemoryStore } from '../src/rate-limit/memory-store.js';
import { createRateLimiter, rateLimitStoreKey } from '../src/rate-limit/rate-limiter.js';
import type { ClientMetadata, RateLimitStore, ScopegateEvent, VerifiedToken } from '../src/types.js';

function token(
  clientId: string | undefined,
  subjectType: 'client' | 'user' = 'client',
  subject = clientId ?? 'someone',
  claims: Record<string, unknown> = {},
): VerifiedToken {
  return {
    token: 'header.payload.signature',
    header: { alg: 'RS256' },
    claims: { sub: subject, ...claims },
    issuer: 'https://issuer.test/',
    subject,
    subjectType,
    clientId,
    scopes: new Set(),
    expiresAt: 2_000_000_000,
  };
}

/** A store on a fake clock frozen at t = 0. */
const frozenStore = () => createMemoryStore({ now: () => 0 });

async function admitted(limiter: ReturnType<typeof createRateLimiter>, auth: VerifiedToken, n: number) {
  let count = 0;
  for (let i = 0; i < n; i++) if ((await limiter.check(auth)).allowed) count++;
  return count;
}

describe('createRateLimiter', () => {
  it('limits a client from a metadata map with exact headers', async () => {
    const limiter = createRateLimiter({
      clientMetadata: { 'nightly-data-sync': { rate_limit_per_minute: 3 } },
      store: frozenStore(),
    });
    const auth = token('nightly-data-sync');
    const first = await limiter.check(auth);
    expect(first).toEqual({
      allowed: true,
      headers: { 'ratelimit-policy': '"client";q=3;w=60', ratelimit: '"client";r=2;t=65' },
    });
    expect((await limiter.check(auth)).headers['ratelimit']).toBe('"client";r=1;t=65');
    expect((await limiter.check(auth)).headers['ratelimit']).toBe('"client";r=0;t=65');
    const rejected = await limiter.check(auth);
    expect(rejected.allowed).toBe(false);
    expect(rejected.headers).toEqual({
      'ratelimit-policy': '"client";q=3;w=60',
      ratelimit: '"client";r=0;t=65',
      'retry-after': '65',
    });
    expect(rejected.error).toBeInstanceOf(RateLimitedError);
    expect(rejected.error?.status).toBe(429);
    expect(rejected.error?.retryAfter).toBe(65);
    expect(rejected.error?.toBody()).toEqual({
      error: 'rate_limited',
      error_description: 'rate limit exceeded for this client',
    });
  });

  it('gives Retry-After from the sliding window as time passes', async () => {
    let now = 0;
    const limiter = createRateLimiter({
      defaultPerMinute: 2,
      store: createMemoryStore({ now: () => now }),
    });
    const auth = token('c');
    await limiter.check(auth);
    await limiter.check(auth);
    now = 42_300;
    const rejected = await limiter.check(auth);
    expect(rejected.headers['retry-after']).toBe('23');
    expect(rejected.headers['ratelimit']).toBe('"client";r=0;t=23');
    now = 65_000;
    expect((await limiter.check(auth)).allowed).toBe(true);
  });

  it('keeps clients independent', async () => {
    const limiter = createRateLimiter({ defaultPerMinute: 2, store: frozenStore() });
    expect(await admitted(limiter, token('a'), 5)).toBe(2);
    expect(await admitted(limiter, token('b'), 5)).toBe(2);
  });

  it('keeps counting a client after thousands of others passed (store-key memo starts over)', async () => {
    const keys: string[] = [];
    const store = frozenStore();
    const recording: RateLimitStore = {
      consume(key, limit, window) {
        keys.push(key);
        return store.consume(key, limit, window);
      },
    };
    const limiter = createRateLimiter({ defaultPerMinute: 2, store: recording, appliesTo: 'all' });
    expect(await admitted(limiter, token('first'), 1)).toBe(1);
    for (let i = 0; i < 5000; i++) await limiter.check(token(`client-${i}`));
    expect(await admitted(limiter, token('first'), 2)).toBe(1);
    expect(await admitted(limiter, token('web', 'user', 'alice'), 1)).toBe(1);
    expect(keys.at(0)).toBe('client:first');
    expect(keys.slice(-3)).toEqual(['client:first', 'client:first', 'user:alice']);
  });

  it('uses a sync function source and passes the verified token', async () => {
    const seen: string[] = [];
    const limiter = createRateLimiter({
      clientMetadata: (clientId, auth) => {
        seen.push(`${clientId}/${auth.issuer}`);
        return clientId === 'fast' ? { rate_limit_per_minute: 4 } : undefined;
      },
      store: frozenStore(),
    });
    expect(await admitted(limiter, token('fast'), 10)).toBe(4);
    expect(await admitted(limiter, token('other'), 10)).toBe(10);
    expect((await limiter.check(token('other'))).headers).toEqual({});
    expect(seen[0]).toBe('fast/https://issuer.test/');
  });

  it('uses an async function source', async () => {
    const limiter = createRateLimiter({
      clientMetadata: async (clientId) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        return { rate_limit_per_minute: clientId === 'a' ? 2 : 3 };
      },
      store: frozenStore(),
    });
    expect(await admitted(limiter, token('a'), 6)).toBe(2);
    expect(await admitted(limiter, token('b'), 6)).toBe(3);
  });

  it('applies defaultPerMinute to clients without metadata, metadata wins otherwise', async () => {
    const limiter = createRateLimiter({
      clientMetadata: { big: { rate_limit_per_minute: 5 }, plain: { team: 'x' } },
      defaultPerMinute: 2,
      store: frozenStore(),
    });
    expect(await admitted(limiter, token('big'), 10)).toBe(5);
    expect(await admitted(limiter, token('plain'), 10)).toBe(2);
    expect(await admitted(limiter, token('unknown'), 10)).toBe(2);
    expect((await limiter.check(token('unknown'))).headers['ratelimit-policy']).toBe('"client";q=2;w=60');
  });

  it('does not limit without metadata and without defaultPerMinute, and sends no headers', async () => {
    const limiter = createRateLimiter({ clientMetadata: {}, store: frozenStore() });
    const decision = await limiter.check(token('anyone'));
    expect(decision).toEqual({ allowed: true, headers: {} });
    expect(await admitted(limiter, token('anyone'), 100)).toBe(100);
  });

  it("does not limit user tokens under appliesTo 'clients' (the default)", async () => {
    const limiter = createRateLimiter({
      clientMetadata: { web: { rate_limit_per_minute: 1 } },
      defaultPerMinute: 1,
      store: frozenStore(),
    });
    const user = token('web', 'user', 'alice');
    expect(await admitted(limiter, user, 20)).toBe(20);
    expect((await limiter.check(user)).headers).toEqual({});
  });

  it("limits users per subject with their client's limit under appliesTo 'all'", async () => {
    const limiter = createRateLimiter({
      clientMetadata: { web: { rate_limit_per_minute: 2 } },
      defaultPerMinute: 1,
      appliesTo: 'all',
      store: frozenStore(),
    });
    expect(await admitted(limiter, token('web', 'user', 'alice'), 5)).toBe(2);
    expect(await admitted(limiter, token('web', 'user', 'bob'), 5)).toBe(2);
    // Without a client id the default applies.
    expect(await admitted(limiter, token(undefined, 'user', 'carol'), 5)).toBe(1);
    // The client itself has its own counter, separate from its users'.
    expect(await admitted(limiter, token('web'), 5)).toBe(2);
  });

  it('keeps a user subject from sharing a counter with a client of the same name', async () => {
    const limiter = createRateLimiter({ defaultPerMinute: 1, appliesTo: 'all', store: frozenStore() });
    expect(await admitted(limiter, token('x'), 3)).toBe(1);
    expect(await admitted(limiter, token(undefined, 'user', 'x'), 3)).toBe(1);
  });

  it('reads limits from a token claim (Hydra ext) with claimMetadata', async () => {
    const limiter = createRateLimiter({ clientMetadata: claimMetadata(), store: frozenStore() });
    const auth = token('svc', 'client', 'svc', { ext: { rate_limit_per_minute: 2 } });
    expect(await admitted(limiter, auth, 5)).toBe(2);
    const nested = token('svc2', 'client', 'svc2', { ext: { metadata: { rate_limit_per_minute: 1 } } });
    expect(await admitted(limiter, nested, 5)).toBe(1);
    expect(await admitted(limiter, token('none'), 5)).toBe(5);

    const direct = createRateLimiter({
      clientMetadata: claimMetadata({ claim: 'rate_limit_per_minute' }),
      store: frozenStore(),
    });
    expect(await admitted(direct, token('d', 'client', 'd', { rate_limit_per_minute: 3 }), 5)).toBe(3);
  });

  it('ignores an invalid rate_limit_per_minute, falls back to the default and reports it once', async () => {
    const events: ScopegateEvent[] = [];
    const bad: Record<string, ClientMetadata> = {
      neg: { rate_limit_per_minute: -1 },
      frac: { rate_limit_per_minute: 1.5 },
      inf: { rate_limit_per_minute: Number.POSITIVE_INFINITY },
      nan: { rate_limit_per_minute: Number.NaN },
      str: { rate_limit_per_minute: '5' as unknown as number },
    };
    const limiter = createRateLimiter({
      clientMetadata: bad,
      defaultPerMinute: 2,
      store: frozenStore(),
      onEvent: (e) => events.push(e),
    });
    for (const id of Object.keys(bad)) expect(await admitted(limiter, token(id), 4)).toBe(2);
    expect(events).toHaveLength(5);
    expect(events[0]).toEqual({
      type: 'rate_limit_metadata_failed',
      clientId: 'neg',
      error: 'rate_limit_per_minute must be a non-negative integer (got -1)',
    });
    expect(events[4]).toMatchObject({
      clientId: 'str',
      error: expect.stringContaining('a string of length 1'),
    });
  });

  it('ignores claims and metadata of the wrong shape', async () => {
    const events: ScopegateEvent[] = [];
    const fromClaim = createRateLimiter({ clientMetadata: claimMetadata(), store: frozenStore() });
    expect(await admitted(fromClaim, token('arr', 'client', 'arr', { ext: [1] }), 3)).toBe(3);
    expect(await admitted(fromClaim, token('other', 'client', 'other', { ext: { team: 'x' } }), 3)).toBe(3);
    const fromFunction = createRateLimiter({
      clientMetadata: () => 42 as unknown as ClientMetadata,
      defaultPerMinute: 1,
      store: frozenStore(),
      onEvent: (e) => events.push(e),
    });
    expect(await admitted(fromFunction, token('n'), 3)).toBe(1);
    expect(events).toEqual([
      { type: 'rate_limit_metadata_failed', clientId: 'n', error: 'client metadata is not an object' },
    ]);
  });

  it('treats a limit of 0 as "no requests"', async () => {
    const limiter = createRateLimiter({
      clientMetadata: { suspended: { rate_limit_per_minute: 0 } },
      store: frozenStore(),
    });
    const decision = await limiter.check(token('suspended'));
    expect(decision.allowed).toBe(false);
    expect(decision.headers).toEqual({
      'ratelimit-policy': '"client";q=0;w=60',
      ratelimit: '"client";r=0;t=60',
      'retry-after': '60',
    });
  });

  it('never matches inherited properties of a metadata map', async () => {
    const limiter = createRateLimiter({ clientMetadata: {}, defaultPerMinute: 7, store: frozenStore() });
    for (const id of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect((await limiter.check(token(id))).headers['ratelimit-policy']).toBe('"client";q=7;w=60');
    }
  });

  it('passes short ids to the store as is and hashes long ones', async () => {
    const keys: string[] = [];
    const inner = frozenStore();
    const store: RateLimitStore = {
      consume: (key, limit, w) => {
        keys.push(key);
        return inner.consume(key, limit, w);
      },
    };
    const limiter = createRateLimiter({ defaultPerMinute: 1, appliesTo: 'all', store });
    const long = 'x'.repeat(5000);
    await limiter.check(token('svc'));
    await limiter.check(token(undefined, 'user', 'alice'));
    expect(await admitted(limiter, token(long), 3)).toBe(1);
    expect(await admitted(limiter, token(`${long}y`), 3)).toBe(1);
    expect(keys.slice(0, 2)).toEqual(['client:svc', 'user:alice']);
    expect(keys[2]).toMatch(/^client:#[A-Za-z0-9_-]{43}$/);
    expect(keys[5]).not.toBe(keys[2]);
  });

  it('uses the policyName option in both headers', async () => {
    const limiter = createRateLimiter({
      defaultPerMinute: 10,
      policyName: 'per-client',
      store: frozenStore(),
    });
    expect((await limiter.check(token('a'))).headers).toEqual({
      'ratelimit-policy': '"per-client";q=10;w=60',
      ratelimit: '"per-client";r=9;t=65',
    });
  });

  it('reuses the policy header string per limit', async () => {
    const limiter = createRateLimiter({ defaultPerMinute: 10, store: frozenStore() });
    const a = (await limiter.check(token('a'))).headers['ratelimit-policy'];
    const b = (await limiter.check(token('b'))).headers['ratelimit-policy'];
    expect(a).toBe('"client";q=10;w=60');
    expect(Object.is(a, b)).toBe(true);
  });

  it('fails open on a store error, reporting once per outage and the recovery', async () => {
    const events: ScopegateEvent[] = [];
    let down = true;
    const inner = frozenStore();
    const store: RateLimitStore = {
      consume: (key, limit, w) =>
        down ? Promise.reject(new Error('connection refused')) : inner.consume(key, limit, w),
    };
    const limiter = createRateLimiter({ defaultPerMinute: 1, store, onEvent: (e) => events.push(e) });
    expect(await limiter.check(token('a'))).toEqual({ allowed: true, headers: {} });
    expect(await limiter.check(token('a'))).toEqual({ allowed: true, headers: {} });
    expect(events).toEqual([{ type: 'rate_limit_store_failed', error: 'connection refused' }]);
    down = false;
    expect((await limiter.check(token('a'))).allowed).toBe(true);
    expect((await limiter.check(token('a'))).allowed).toBe(false);
    expect(events).toEqual([
      { type: 'rate_limit_store_failed', error: 'connection refused' },
      { type: 'rate_limit_store_recovered' },
    ]);
  });

  it('propagates a ScopegateError from the store (fail closed stores)', async () => {
    const store: RateLimitStore = {
      consume: () => Promise.reject(new TemporarilyUnavailableError('rate limit store unavailable')),
    };
    const limiter = createRateLimiter({ defaultPerMinute: 1, store });
    await expect(limiter.check(token('a'))).rejects.toBeInstanceOf(TemporarilyUnavailableError);
  });

  it('reports a throwing metadata source and falls back to the default; passes ScopegateErrors on', async () => {
    const events: ScopegateEvent[] = [];
    const limiter = createRateLimiter({
      clientMetadata: (id) => {
        if (id === 'sync') throw new Error('lookup broke');
        if (id === '503') throw new TemporarilyUnavailableError('metadata down');
        return Promise.reject(new Error('async lookup broke'));
      },
      defaultPerMinute: 1,
      store: frozenStore(),
      onEvent: (e) => {
        events.push(e);
        throw new Error('a faulty handler must not break requests');
      },
    });
    expect(await admitted(limiter, token('sync'), 3)).toBe(1);
    expect(await admitted(limiter, token('async'), 3)).toBe(1);
    expect(events[0]).toEqual({
      type: 'rate_limit_metadata_failed',
      clientId: 'sync',
      error: 'lookup broke',
    });
    expect(events).toContainEqual({
      type: 'rate_limit_metadata_failed',
      clientId: 'async',
      error: 'async lookup broke',
    });
    await expect(limiter.check(token('503'))).rejects.toBeInstanceOf(TemporarilyUnavailableError);
  });

  it('gives a client whose metadata lookup never settles the default after metadataTimeoutMs', async () => {
    vi.useFakeTimers();
    try {
      const events: ScopegateEvent[] = [];
      let answer: ((metadata: ClientMetadata) => void) | undefined;
      const limiter = createRateLimiter({
        clientMetadata: () =>
          new Promise<ClientMetadata>((resolve) => {
            answer = resolve;
          }),
        metadataTimeoutMs: 50,
        defaultPerMinute: 7,
        store: frozenStore(),
        onEvent: (e) => events.push(e),
      });
      const pending = limiter.check(token('stuck'));
      await vi.advanceTimersByTimeAsync(49);
      expect(events).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      const decision = await pending;
      expect(decision.allowed).toBe(true);
      expect(decision.headers['ratelimit-policy']).toBe('"client";q=7;w=60');
      expect(events).toEqual([
        {
          type: 'rate_limit_metadata_failed',
          clientId: 'stuck',
          error: 'client metadata lookup did not settle within 50 ms',
        },
      ]);
      // A late answer changes nothing, and an answer in time still counts.
      answer?.({ rate_limit_per_minute: 600 });
      const inTime = limiter.check(token('stuck'));
      answer?.({ rate_limit_per_minute: 600 });
      expect((await inTime).headers['ratelimit-policy']).toBe('"client";q=600;w=60');
      // The late answer reported nothing more, and no timer is left behind.
      expect(events).toHaveLength(1);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('waits 5 s for a metadata lookup by default', async () => {
    vi.useFakeTimers();
    try {
      const limiter = createRateLimiter({
        clientMetadata: () => new Promise<ClientMetadata>(() => {}),
        defaultPerMinute: 3,
        store: frozenStore(),
      });
      let settled = false;
      const pending = limiter.check(token('stuck')).finally(() => {
        settled = true;
      });
      await vi.advanceTimersByTimeAsync(4_999);
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect((await pending).headers['ratelimit-policy']).toBe('"client";q=3;w=60');
    } finally {
      vi.useRealTimers();
    }
  });

  it('rejects invalid configuration', () => {
    for (const metadataTimeoutMs of [0, -1, 1.5, Number.NaN, 2 ** 31])
      expect(() => createRateLimiter({ metadataTimeoutMs })).toThrow(/metadataTimeoutMs/);
    expect(() => createRateLimiter({ defaultPerMinute: -1 })).toThrow(ConfigurationError);
    expect(() => createRateLimiter({ defaultPerMinute: 2.5 })).toThrow(ConfigurationError);
    expect(() => createRateLimiter({ appliesTo: 'everyone' as 'all' })).toThrow(ConfigurationError);
    expect(() => createRateLimiter({ policyName: 'a\nb' })).toThrow(ConfigurationError);
    expect(() => createRateLimiter({ policyName: '' })).toThrow(ConfigurationError);
  });

  it('escapes quotes in the policy name', async () => {
    const limiter = createRateLimiter({ defaultPerMinute: 1, policyName: 'a"b', store: frozenStore() });
    expect((await limiter.check(token('a'))).headers['ratelimit-policy']).toBe('"a\\"b";q=1;w=60');
  });

  it('closes only the store it created', async () => {
    let closed = 0;
    const inner = frozenStore();
    const store: RateLimitStore = { consume: inner.consume, close: () => void closed++ };
    await createRateLimiter({ store }).close();
    expect(closed).toBe(0);
    await createRateLimiter({}).close();
  });
});

describe('rateLimitStoreKey', () => {
  it('names the key the limiter passes to the store, long ids hashed', async () => {
    const keys: string[] = [];
    const inner = frozenStore();
    const store: RateLimitStore = {
      consume: (key, limit, window) => {
        keys.push(key);
        return inner.consume(key, limit, window);
      },
    };
    const limiter = createRateLimiter({ store, defaultPerMinute: 5, appliesTo: 'all' });
    const long = 'x'.repeat(129);
    await limiter.check(token('short'));
    await limiter.check(token(long));
    await limiter.check(token('app', 'user', 'alice'));
    expect(keys).toEqual([
      rateLimitStoreKey('client', 'short'),
      rateLimitStoreKey('client', long),
      rateLimitStoreKey('user', 'alice'),
    ]);
    expect(keys[0]).toBe('client:short');
    expect(keys[1]).toMatch(/^client:#[\w-]{43}$/);
    expect(rateLimitStoreKey('client', 'x'.repeat(128))).toBe(`client:${'x'.repeat(128)}`);
    expect(keys[2]).toBe('user:alice');
  });
});
