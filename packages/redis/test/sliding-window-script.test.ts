/**
 * The Lua script and core's reference `slidingWindowConsume`, fed the same
 * inputs (the script's optional fixed time replaces `TIME`), must give the
 * same answers step by step: admission, remaining and Retry-After.
 */

import { type SlidingWindowState, slidingWindowConsume } from '@scopegate/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeyForStoreKey } from '../src/index.js';
import { SLIDING_WINDOW_SCRIPT, SLIDING_WINDOW_SCRIPT_SHA1 } from '../src/sliding-window-script.js';
import {
  connectIoredis,
  deleteKeys,
  requireSharedRedis,
  type TestClient,
  uniquePrefix,
} from './redis-test-helpers.js';

const available = await requireSharedRedis();

describe.skipIf(!available)('sliding-window script vs core reference', () => {
  const prefix = uniquePrefix();
  let client: TestClient;
  let keyCounter = 0;

  beforeAll(async () => {
    client = await connectIoredis();
    expect(await client.sendCommand('SCRIPT', 'LOAD', SLIDING_WINDOW_SCRIPT)).toBe(
      SLIDING_WINDOW_SCRIPT_SHA1,
    );
  });
  afterAll(async () => {
    await deleteKeys(client.sendCommand, prefix);
    await client.close();
  });

  async function scriptAt(key: string, limit: number, windowSeconds: number, nowMs: number) {
    const reply = (await client.sendCommand(
      'EVALSHA',
      SLIDING_WINDOW_SCRIPT_SHA1,
      '1',
      key,
      String(limit),
      String(windowSeconds * 1000),
      String(nowMs),
    )) as [number, number, number];
    return { allowed: reply[0] === 1, limit, remaining: reply[1], resetSeconds: reply[2] };
  }

  async function compare(limit: number, windowSeconds: number, start: number, steps: readonly number[]) {
    const key = redisKeyForStoreKey(`ref-${keyCounter++}`, prefix);
    let state: SlidingWindowState | undefined;
    let now = start;
    for (const step of steps) {
      now += step;
      const reference = slidingWindowConsume(state, limit, windowSeconds, now);
      state = reference.state;
      expect(await scriptAt(key, limit, windowSeconds, now)).toEqual(reference.result);
    }
  }

  it('matches on a burst, the Retry-After countdown and the window sliding past', async () => {
    const start = 1_750_000_000_000;
    // 5 admitted at once, 2 rejected, then time passes bucket by bucket for 70 s.
    await compare(5, 60, start, [0, 0, 0, 0, 0, 0, 0, ...Array.from({ length: 14 }, () => 5000)]);
    const key = redisKeyForStoreKey('exact', prefix);
    for (let i = 0; i < 3; i++) await scriptAt(key, 3, 60, start + 1234);
    // Full at t0 + 1.234 s: the bucket leaves at bucket 13 later; Retry-After = ceil((13 * 5000 - 1234) / 1000) = 64.
    expect(await scriptAt(key, 3, 60, start + 1234)).toEqual({
      allowed: false,
      limit: 3,
      remaining: 0,
      resetSeconds: 64,
    });
    expect(await scriptAt(key, 3, 60, start + 64_999)).toEqual({
      allowed: false,
      limit: 3,
      remaining: 0,
      resetSeconds: 1,
    });
    expect(await scriptAt(key, 3, 60, start + 65_000)).toEqual({
      allowed: true,
      limit: 3,
      remaining: 2,
      resetSeconds: 65,
    });
  });

  it('matches on random request sequences, windows and clock steps (including steps back)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 12 }),
        fc.constantFrom(60, 1, 7, 1.2, 3600),
        fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }),
        fc.array(
          fc.oneof(
            fc.constant(0),
            fc.integer({ min: 0, max: 2_000 }),
            fc.integer({ min: 0, max: 20_000 }),
            fc.integer({ min: 0, max: 200_000 }),
            fc.integer({ min: -10_000, max: 0 }),
          ),
          { minLength: 1, maxLength: 40 },
        ),
        async (limit, windowSeconds, start, steps) => {
          // Under limit 0 the reference answers Retry-After = W even for a fractional W;
          // Redis replies carry integers only, so the script sends ceil(W) (checked in the store tests).
          fc.pre(limit > 0 || Number.isInteger(windowSeconds));
          await compare(limit, windowSeconds, start, steps);
        },
      ),
      { numRuns: 150 },
    );
  });
});
