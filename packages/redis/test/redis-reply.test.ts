/**
 * The script's reply is checked before it becomes a RateLimitResult (and so
 * the RateLimit / Retry-After headers): a reply the script cannot give is a
 * store failure, with its event and the configured onError policy. The
 * client's EVALSHA / EVAL replies are stubbed; no Redis is needed.
 */
import {
  createRateLimiter,
  type ScopegateEvent,
  TemporarilyUnavailableError,
  type VerifiedToken,
} from '@scopegate/core';
import { describe, expect, it } from 'vitest';
import { createRedisStore, type RedisSendCommand } from '../src/index.js';

const W = 60;
const LIMIT = 10;
const FAIL_OPEN = { allowed: true, limit: LIMIT, remaining: LIMIT, resetSeconds: 0 };

/** A sendCommand whose EVALSHA answers `reply` (and records the commands it got). */
function evalshaReplying(reply: unknown, commands: string[] = []): RedisSendCommand {
  return async (...args) => {
    commands.push(args[0] ?? '');
    return reply;
  };
}

const malformed: [string, unknown, RegExp][] = [
  ['a negative remaining', [1, -1, 5], /remaining is out of range/],
  ['a fractional remaining', [1, 2.5, 5], /remaining is not an integer/],
  ['remaining > limit', [1, LIMIT + 1, 5], /remaining is out of range/],
  ['remaining = limit on an admission', [1, LIMIT, 5], /remaining is out of range/],
  ['a rejection with remaining left', [0, 3, 5], /remaining is out of range/],
  ['allowed = 2', [2, 3, 5], /allowed is not 0 or 1/],
  ['allowed = -1', [-1, 3, 5], /allowed is not 0 or 1/],
  ['a negative resetSeconds', [1, 3, -1], /resetSeconds is negative/],
  ['a fractional resetSeconds', [1, 3, 1.5], /resetSeconds is not an integer/],
  ['an infinite resetSeconds', [1, 3, Number.POSITIVE_INFINITY], /resetSeconds is not an integer/],
  ['a huge resetSeconds', [1, 3, 1e300], /resetSeconds is not an integer/],
  ['a NaN remaining', [1, Number.NaN, 5], /remaining is not an integer/],
  ['a non-numeric string', ['1', 'abc', '5'], /remaining is not an integer/],
  ['an empty string (Number("") is 0)', [1, '', 5], /remaining is not an integer/],
  ['a padded string', [1, ' 3', 5], /remaining is not an integer/],
  ['a hexadecimal string', [1, '0x3', 5], /remaining is not an integer/],
  ['an exponent string', [1, '3e0', 5], /remaining is not an integer/],
  ['null', [1, null, 5], /remaining is not an integer/],
  ['a boolean', [true, 3, 5], /allowed is not an integer/],
  ['an object', [1, 3, { value: 5 }], /resetSeconds is not an integer/],
  ['a nested list', [[1], 3, 5], /allowed is not an integer/],
  ['an unsafe bigint', [1n, 3n, 2n ** 64n], /resetSeconds is not an integer/],
  ['two elements', [1, 3], /not a list of 3 integers/],
  ['four elements', [1, 3, 5, 7], /not a list of 3 integers/],
  ['a status reply', 'OK', /not a list of 3 integers/],
  ['nothing', undefined, /not a list of 3 integers/],
];

describe('replies of the rate-limit script', () => {
  it.each([
    ['numbers (ioredis, node-redis)', [1, 9, 60], { allowed: true, remaining: 9, resetSeconds: 60 }],
    ['decimal strings', ['1', '9', '60'], { allowed: true, remaining: 9, resetSeconds: 60 }],
    ['bigints', [1n, 9n, 60n], { allowed: true, remaining: 9, resetSeconds: 60 }],
    ['the last admission', [1, 0, 1], { allowed: true, remaining: 0, resetSeconds: 1 }],
    ['a rejection', [0, 0, 65], { allowed: false, remaining: 0, resetSeconds: 65 }],
    ['a negative zero', [1, -0, 60], { allowed: true, remaining: 0, resetSeconds: 60 }],
  ])('accepts %s', async (_what, reply, expected) => {
    const events: ScopegateEvent[] = [];
    const store = createRedisStore({ sendCommand: evalshaReplying(reply), onEvent: (e) => events.push(e) });
    expect(await store.consume('client:c', LIMIT, W)).toEqual({ limit: LIMIT, ...expected });
    expect(events).toEqual([]);
  });

  it.each(malformed)(
    "fails open on %s under onError 'allow', with one event",
    async (_what, reply, message) => {
      const events: ScopegateEvent[] = [];
      const store = createRedisStore({ sendCommand: evalshaReplying(reply), onEvent: (e) => events.push(e) });
      expect(await store.consume('client:c', LIMIT, W)).toEqual(FAIL_OPEN);
      expect(await store.consume('client:c', LIMIT, W)).toEqual(FAIL_OPEN);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        type: 'rate_limit_store_failed',
        error: expect.stringMatching(message),
      });
    },
  );

  it.each(malformed)("answers 503 on %s under onError 'reject'", async (_what, reply) => {
    const events: ScopegateEvent[] = [];
    const store = createRedisStore({
      sendCommand: evalshaReplying(reply),
      onError: 'reject',
      retryAfterSeconds: 7,
      onEvent: (e) => events.push(e),
    });
    const error = await store.consume('client:c', LIMIT, W).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TemporarilyUnavailableError);
    expect(error).toMatchObject({ status: 503, reason: 'rate_limit_store_unavailable', retryAfter: 7 });
    expect(events.map((e) => e.type)).toEqual(['rate_limit_store_failed']);
  });

  it('limit 0: an admission is malformed, a rejection is not', async () => {
    const admitted = createRedisStore({ sendCommand: evalshaReplying([1, 0, 60]) });
    expect(await admitted.consume('client:c', 0, W)).toEqual({
      allowed: true,
      limit: 0,
      remaining: 0,
      resetSeconds: 0,
    });
    const rejected = createRedisStore({ sendCommand: evalshaReplying([0, 0, 60]) });
    expect(await rejected.consume('client:c', 0, W)).toEqual({
      allowed: false,
      limit: 0,
      remaining: 0,
      resetSeconds: 60,
    });
  });

  it('checks the EVAL reply after NOSCRIPT the same way', async () => {
    const commands: string[] = [];
    const events: ScopegateEvent[] = [];
    const sendCommand: RedisSendCommand = async (...args) => {
      commands.push(args[0] ?? '');
      if (args[0] === 'EVALSHA') throw new Error('NOSCRIPT No matching script. Please use EVAL.');
      return [1, -3, 5];
    };
    const store = createRedisStore({ sendCommand, onEvent: (e) => events.push(e) });
    expect(await store.consume('client:c', LIMIT, W)).toEqual(FAIL_OPEN);
    expect(commands).toEqual(['EVALSHA', 'EVAL']);
    expect(events).toEqual([
      {
        type: 'rate_limit_store_failed',
        error: 'malformed reply from the rate-limit script: remaining is out of range',
      },
    ]);
  });

  it('reports recovery once the replies are well-formed again', async () => {
    let reply: unknown = [1, 99, 5];
    const events: ScopegateEvent[] = [];
    const store = createRedisStore({ sendCommand: async () => reply, onEvent: (e) => events.push(e) });
    expect(await store.consume('client:c', LIMIT, W)).toEqual(FAIL_OPEN);
    reply = [1, 8, 60];
    expect(await store.consume('client:c', LIMIT, W)).toEqual({
      allowed: true,
      limit: LIMIT,
      remaining: 8,
      resetSeconds: 60,
    });
    expect(events.map((e) => e.type)).toEqual(['rate_limit_store_failed', 'rate_limit_store_recovered']);
  });

  it("keeps garbage out of the limiter's RateLimit headers", async () => {
    const limiter = createRateLimiter({
      store: createRedisStore({ sendCommand: evalshaReplying([0, -7, 1.5]) }),
      defaultPerMinute: LIMIT,
    });
    const decision = await limiter.check(clientToken('c'));
    expect(decision.allowed).toBe(true);
    expect(decision.headers).toEqual({
      'ratelimit-policy': `"client";q=${LIMIT};w=${W}`,
      ratelimit: `"client";r=${LIMIT};t=0`,
    });
  });

  it('rejects a fractional or unsafe limit as a configuration error', async () => {
    const store = createRedisStore({ sendCommand: evalshaReplying([1, 0, 1]) });
    await expect(store.consume('client:c', 2.5, W)).rejects.toMatchObject({
      status: 500,
      reason: 'misconfigured',
    });
    await expect(store.consume('client:c', 2 ** 53, W)).rejects.toMatchObject({
      status: 500,
      reason: 'misconfigured',
    });
    await expect(store.consume('client:c', Number.NaN, W)).rejects.toMatchObject({ reason: 'misconfigured' });
  });
});

function clientToken(clientId: string): VerifiedToken {
  return {
    token: 'header.payload.signature',
    header: { alg: 'RS256' },
    claims: { sub: clientId },
    issuer: 'https://issuer.test/',
    subject: clientId,
    subjectType: 'client',
    clientId,
    scopes: new Set(),
    expiresAt: 2_000_000_000,
  };
}
