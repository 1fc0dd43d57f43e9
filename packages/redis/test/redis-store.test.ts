/**
 * The Redis store against the real Redis at 127.0.0.1:6379, through both
 * client libraries: exact admission under concurrency, independence between
 * clients, key layout and expiry, and agreement with core's reference algorithm.
 */

import {
  createRateLimiter,
  SLIDING_WINDOW_SEGMENTS,
  type SlidingWindowState,
  slidingWindowConsume,
  type VerifiedToken,
} from '@scopegate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRedisStore,
  DEFAULT_PREFIX,
  rateLimitRedisKey,
  redisKeyForStoreKey,
  userRateLimitRedisKey,
} from '../src/index.js';
import {
  clientFactories,
  deleteKeys,
  hashEntries,
  redisTimeMs,
  requireSharedRedis,
  sleep,
  type TestClient,
  uniquePrefix,
} from './redis-test-helpers.js';

const available = await requireSharedRedis();
const W = 60;

describe.skipIf(!available).each(clientFactories)('Redis store via %s', (_name, connect) => {
  const prefix = uniquePrefix();
  let client: TestClient;

  beforeAll(async () => {
    client = await connect();
  });
  afterAll(async () => {
    await deleteKeys(client.sendCommand, prefix);
    await client.close();
  });

  const store = () => createRedisStore({ sendCommand: (...a) => client.sendCommand(...a), prefix });

  it('admits exactly `limit` of 200 concurrent requests for one client', async () => {
    const s = store();
    const results = await Promise.all(Array.from({ length: 200 }, () => s.consume('burst-client', 50, W)));
    const allowed = results.filter((r) => r.allowed);
    expect(allowed).toHaveLength(50);
    // Every remaining value 49..0 handed out exactly once: each consume saw all earlier ones.
    expect(allowed.map((r) => r.remaining).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 50 }, (_, i) => i),
    );
    const rejected = results.filter((r) => !r.allowed);
    expect(rejected).toHaveLength(150);
    for (const r of rejected) {
      expect(r.remaining).toBe(0);
      expect(r.limit).toBe(50);
      expect(r.resetSeconds).toBeGreaterThanOrEqual(1);
      expect(r.resetSeconds).toBeLessThanOrEqual(W + W / SLIDING_WINDOW_SEGMENTS);
    }
    // The hash holds the 50 admissions in the current bucket(s) plus the `last` field.
    const hash = await hashEntries(client.sendCommand, redisKeyForStoreKey('burst-client', prefix));
    let counted = 0;
    for (const [field, value] of hash) if (field !== 'last') counted += Number(value);
    expect(counted).toBe(50);
  });

  it('shares state between stores on the same Redis (several instances)', async () => {
    const a = store();
    const b = store();
    const results = [];
    for (let i = 0; i < 9; i++) results.push(await (i % 2 === 0 ? a : b).consume('shared-client', 5, W));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, true, true, false, false, false, false]);
    expect(results.slice(0, 5).map((r) => r.remaining)).toEqual([4, 3, 2, 1, 0]);
  });

  it('limits clients independently', async () => {
    const s = store();
    for (let i = 0; i < 3; i++) expect((await s.consume('client-a', 3, W)).allowed).toBe(true);
    expect((await s.consume('client-a', 3, W)).allowed).toBe(false);
    const b = await s.consume('client-b', 3, W);
    expect(b).toMatchObject({ allowed: true, remaining: 2, limit: 3 });
    expect((await s.consume('client-a', 3, W)).allowed).toBe(false);
  });

  it('rejects everything under limit 0 and answers Retry-After = W (whole seconds)', async () => {
    const s = store();
    expect(await s.consume('zero-client', 0, W)).toEqual({
      allowed: false,
      limit: 0,
      remaining: 0,
      resetSeconds: W,
    });
    expect(await s.consume('zero-client-2', 0, 1.2)).toEqual({
      allowed: false,
      limit: 0,
      remaining: 0,
      resetSeconds: 2,
    });
    // Even a limit-0 client's key expires (it only remembers the newest bucket).
    const pttl = Number(await client.sendCommand('PTTL', redisKeyForStoreKey('zero-client', prefix)));
    expect(pttl).toBeGreaterThan(0);
  });

  it('keys are hash-tagged per client and braces in ids cannot break the tag', async () => {
    expect(DEFAULT_PREFIX).toBe('scopegate:rl:');
    expect(redisKeyForStoreKey('client:nightly-data-sync')).toBe('scopegate:rl:{client:nightly-data-sync}');
    expect(redisKeyForStoreKey('a}b{c')).toBe('scopegate:rl:{a%7Db%7Bc}');
    // `%` is escaped too, so an id that looks escaped stays distinct from the one it imitates.
    expect(redisKeyForStoreKey('a%7Db')).toBe('scopegate:rl:{a%257Db}');
    expect(redisKeyForStoreKey('a}b')).not.toBe(redisKeyForStoreKey('a%7Db'));
    // The client-id helpers add the limiter's `client:` / `user:` part (the README's examples).
    expect(rateLimitRedisKey('nightly-data-sync')).toBe('scopegate:rl:{client:nightly-data-sync}');
    expect(rateLimitRedisKey('a}b', 'x:')).toBe('x:{client:a%7Db}');
    expect(userRateLimitRedisKey('alice')).toBe('scopegate:rl:{user:alice}');
    expect(rateLimitRedisKey('c'.repeat(128))).toBe(`scopegate:rl:{client:${'c'.repeat(128)}}`);
    expect(rateLimitRedisKey('c'.repeat(129))).toMatch(/^scopegate:rl:\{client:#[A-Za-z0-9_-]{43}\}$/);
    expect(() => createRedisStore({ sendCommand: client.sendCommand, prefix: 'bad{' })).toThrow(/prefix/);

    const s = store();
    await s.consume('id}with{braces', 5, W);
    const reply = (await client.sendCommand('SCAN', '0', 'MATCH', `${prefix}*braces*`, 'COUNT', '10000')) as [
      string,
      string[],
    ];
    const keys = reply[1];
    expect(keys).toEqual([`${prefix}{id%7Dwith%7Bbraces}`]);
    // The hash tag Redis Cluster hashes: between the first `{` and the next `}`.
    const key = keys[0] ?? '';
    const open = key.indexOf('{');
    expect(key.slice(open + 1, key.indexOf('}', open + 1))).toBe('id%7Dwith%7Bbraces');
  });

  it("rateLimitRedisKey names the key core's rate limiter makes the store write", async () => {
    const limiter = createRateLimiter({ store: store(), defaultPerMinute: 5, appliesTo: 'all' });
    const longId = `long-${'x'.repeat(200)}`;
    const expected = [
      rateLimitRedisKey('nightly-data-sync', prefix),
      rateLimitRedisKey('id}with{braces-via-limiter', prefix),
      rateLimitRedisKey(longId, prefix),
      userRateLimitRedisKey('alice@example.com', prefix),
    ];
    for (const key of expected) expect(Number(await client.sendCommand('EXISTS', key))).toBe(0);
    await limiter.check(verified('client', 'nightly-data-sync'));
    await limiter.check(verified('client', 'id}with{braces-via-limiter'));
    await limiter.check(verified('client', longId));
    await limiter.check(verified('user', 'alice@example.com', 'some-spa'));
    for (const key of expected) {
      expect(Number(await client.sendCommand('EXISTS', key)), key).toBe(1);
      expect((await hashEntries(client.sendCommand, key)).length).toBeGreaterThan(0);
    }
    // A long id's key is bounded: the id itself never reaches Redis.
    expect(expected[2]?.includes('x'.repeat(129))).toBe(false);
  });

  it('sets a TTL of W + s on every written key', async () => {
    const s = store();
    await s.consume('ttl-client', 5, W);
    const pttl = Number(await client.sendCommand('PTTL', redisKeyForStoreKey('ttl-client', prefix)));
    expect(pttl).toBeGreaterThan(W * 1000);
    expect(pttl).toBeLessThanOrEqual(W * 1000 + (W * 1000) / SLIDING_WINDOW_SEGMENTS);
  });

  it('lets keys expire by themselves', async () => {
    const s = store();
    // A 1.2 s window: segment 100 ms, TTL 1300 ms.
    expect((await s.consume('expiring-client', 1, 1.2)).allowed).toBe(true);
    const key = redisKeyForStoreKey('expiring-client', prefix);
    expect(Number(await client.sendCommand('EXISTS', key))).toBe(1);
    const pttl = Number(await client.sendCommand('PTTL', key));
    expect(pttl).toBeGreaterThan(1000);
    expect(pttl).toBeLessThanOrEqual(1300);
    await sleep(1500);
    expect(Number(await client.sendCommand('EXISTS', key))).toBe(0);
    // And the client starts afresh.
    expect(await s.consume('expiring-client', 1, 1.2)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('agrees with the core reference at the real Redis time (Retry-After included)', async () => {
    const s = store();
    const limit = 4;
    const key = redisKeyForStoreKey('reference-client', prefix);
    for (let i = 0; i < limit; i++) await s.consume('reference-client', limit, W);
    // Rebuild the reference state from the hash, then compare the next (rejected) consume,
    // bracketing the unknown server time between two TIME readings.
    for (let attempt = 0; attempt < 5; attempt++) {
      const state = stateFromHash(await hashEntries(client.sendCommand, key));
      const before = await redisTimeMs(client.sendCommand);
      const result = await s.consume('reference-client', limit, W);
      const after = await redisTimeMs(client.sendCommand);
      const segment = (W * 1000) / SLIDING_WINDOW_SEGMENTS;
      if (Math.floor(before / segment) !== Math.floor(after / segment)) continue; // crossed a bucket: retry
      const early = slidingWindowConsume(state, limit, W, before).result;
      const late = slidingWindowConsume(state, limit, W, after).result;
      expect(result.allowed).toBe(early.allowed);
      expect(result.allowed).toBe(false);
      expect(result.remaining).toBe(early.remaining);
      expect(result.resetSeconds).toBeLessThanOrEqual(early.resetSeconds);
      expect(result.resetSeconds).toBeGreaterThanOrEqual(late.resetSeconds);
      return;
    }
    throw new Error('could not bracket a consume within one bucket');
  });
});

/** A verified token as the adapters hand it to the rate limiter. */
function verified(subjectType: 'client' | 'user', subject: string, clientId?: string): VerifiedToken {
  return {
    token: 'header.payload.signature',
    header: { alg: 'RS256' },
    claims: { sub: subject },
    issuer: 'https://issuer.test/',
    subject,
    subjectType,
    clientId: subjectType === 'client' ? subject : clientId,
    scopes: new Set(),
    expiresAt: 2_000_000_000,
  };
}

/**
 * The reference state equivalent to a key's hash, built through the public
 * step function only: replay each bucket's count at the bucket's start, then
 * a no-op (limit 0) consume at the `last` bucket.
 */
function stateFromHash(hash: [string, string][]): SlidingWindowState | undefined {
  const segment = (W * 1000) / SLIDING_WINDOW_SEGMENTS;
  const buckets: [number, number][] = [];
  let last: number | undefined;
  for (const [field, value] of hash) {
    if (field === 'last') last = Number(value);
    else buckets.push([Number(field), Number(value)]);
  }
  buckets.sort((x, y) => x[0] - y[0]);
  let state: SlidingWindowState | undefined;
  for (const [bucket, count] of buckets) {
    for (let n = 0; n < count; n++)
      state = slidingWindowConsume(state, Number.MAX_SAFE_INTEGER, W, bucket * segment).state;
  }
  if (last !== undefined) state = slidingWindowConsume(state, 0, W, last * segment).state;
  return state;
}
