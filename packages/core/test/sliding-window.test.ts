import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createSlidingWindowState,
  SLIDING_WINDOW_SEGMENTS,
  type SlidingWindowState,
  slidingWindowConsume,
} from '../src/rate-limit/sliding-window.js';
import type { RateLimitResult } from '../src/types.js';

const W = 60;

/** Runs requests at the given times through one key and returns every result. */
function run(limit: number, times: readonly number[], windowSeconds = W): RateLimitResult[] {
  let state: SlidingWindowState | undefined;
  return times.map((t) => {
    const step = slidingWindowConsume(state, limit, windowSeconds, t);
    state = step.state;
    return step.result;
  });
}

const at = (t: number, n: number): number[] => new Array<number>(n).fill(t);

describe('slidingWindowConsume', () => {
  it('uses 12 segments', () => {
    expect(SLIDING_WINDOW_SEGMENTS).toBe(12);
  });

  it('admits exactly `limit` requests of a burst, with decreasing remaining', () => {
    const results = run(10, at(0, 15));
    expect(results.filter((r) => r.allowed)).toHaveLength(10);
    expect(results.map((r) => r.remaining)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0]);
    expect(results.map((r) => r.allowed)).toEqual([
      ...at(1, 10).map(() => true),
      ...at(1, 5).map(() => false),
    ]);
    expect(results.every((r) => r.limit === 10)).toBe(true);
  });

  it('has no double burst at a minute boundary (unlike a fixed window)', () => {
    const results = run(10, [...at(59_999, 10), ...at(60_000, 10)]);
    expect(results.filter((r) => r.allowed)).toHaveLength(10);
    expect(results[10]).toEqual({ allowed: false, limit: 10, remaining: 0, resetSeconds: 60 });
  });

  it('gives the exact Retry-After: quota returns when the burst bucket leaves the window', () => {
    // Burst in bucket 0 ([0, 5000)); bucket 0 is counted until bucket 13 starts at 65 000 ms.
    const base = run(10, at(0, 10));
    expect(base[9]!.allowed).toBe(true);
    const probe = (t: number) => run(10, [...at(0, 10), t])[10]!;
    expect(probe(0)).toEqual({ allowed: false, limit: 10, remaining: 0, resetSeconds: 65 });
    expect(probe(30_000)).toEqual({ allowed: false, limit: 10, remaining: 0, resetSeconds: 35 });
    expect(probe(30_001)).toEqual({ allowed: false, limit: 10, remaining: 0, resetSeconds: 35 });
    expect(probe(64_999)).toEqual({ allowed: false, limit: 10, remaining: 0, resetSeconds: 1 });
    expect(probe(65_000)).toEqual({ allowed: true, limit: 10, remaining: 9, resetSeconds: 65 });
  });

  it('Retry-After points at the first bucket whose expiry frees a unit', () => {
    // 6 at t=0 (bucket 0), 4 at t=10 s (bucket 2): full. Dropping bucket 0 frees 6 units.
    const r = run(10, [...at(0, 6), ...at(10_000, 4), 20_000]);
    expect(r.filter((x) => x.allowed)).toHaveLength(10);
    expect(r[10]).toEqual({ allowed: false, limit: 10, remaining: 0, resetSeconds: 45 });
    // After bucket 0 leaves (65 s) exactly 6 more fit until bucket 2 leaves (75 s).
    const later = run(10, [...at(0, 6), ...at(10_000, 4), ...at(65_000, 7)]);
    expect(later.slice(10).map((x) => x.allowed)).toEqual([true, true, true, true, true, true, false]);
    expect(later[16]!.resetSeconds).toBe(10);
  });

  it('skips several buckets when the limit was lowered below the count', () => {
    let state: SlidingWindowState | undefined;
    for (let i = 0; i < 10; i++) state = slidingWindowConsume(state, 20, W, 0).state;
    for (let i = 0; i < 10; i++) state = slidingWindowConsume(state, 20, W, 10_000).state;
    // Now limited to 10 with 20 counted: bucket 0 leaving still leaves 10, bucket 2 leaving frees it.
    const { result } = slidingWindowConsume(state, 10, W, 20_000);
    expect(result).toEqual({ allowed: false, limit: 10, remaining: 0, resetSeconds: 55 });
  });

  it('reports when the oldest counted request leaves the window as resetSeconds when allowed', () => {
    expect(run(5, [0])[0]).toEqual({ allowed: true, limit: 5, remaining: 4, resetSeconds: 65 });
    expect(run(5, [2_500])[0]).toEqual({ allowed: true, limit: 5, remaining: 4, resetSeconds: 63 });
    expect(run(5, [0, 40_000])[1]).toEqual({ allowed: true, limit: 5, remaining: 3, resetSeconds: 25 });
  });

  it('forgets everything after W + s of silence', () => {
    const r = run(3, [...at(0, 3), 64_999, 65_000, 1_000_000, 1_000_000, 1_000_000, 1_000_000]);
    expect(r.map((x) => x.allowed)).toEqual([true, true, true, false, true, true, true, true, false]);
  });

  it('admits nothing with a limit of 0 and asks to retry after one window', () => {
    expect(run(0, [0, 1_000])).toEqual([
      { allowed: false, limit: 0, remaining: 0, resetSeconds: 60 },
      { allowed: false, limit: 0, remaining: 0, resetSeconds: 60 },
    ]);
  });

  it('treats a clock that steps back as standing still', () => {
    const r = run(2, [100_000, 100_000, 10_000]);
    expect(r.map((x) => x.allowed)).toEqual([true, true, false]);
  });

  it('does not modify the state it is given', () => {
    const state = createSlidingWindowState();
    const first = slidingWindowConsume(state, 5, W, 0);
    expect(state.counts.every((c) => c === 0)).toBe(true);
    const second = slidingWindowConsume(first.state, 5, W, 0);
    expect(first.state.counts.reduce((a, b) => a + b, 0)).toBe(1);
    expect(second.state.counts.reduce((a, b) => a + b, 0)).toBe(2);
  });

  it('works for other window lengths (segment = W/12)', () => {
    // W = 6 s: segments of 500 ms; a burst at 0 is counted until 6 500 ms.
    const r = run(2, [0, 0, 0, 6_499, 6_500], 6);
    expect(r.map((x) => x.allowed)).toEqual([true, true, false, false, true]);
    expect(r[2]!.resetSeconds).toBe(7);
    expect(r[3]!.resetSeconds).toBe(1);
  });
});

// A timeline: a limit, a window and non-negative gaps between consecutive requests (ms).
const timeline = fc.record({
  limit: fc.integer({ min: 1, max: 12 }),
  windowSeconds: fc.constantFrom(1, 6, 60),
  gaps: fc.array(
    fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 0, max: 90_000 })),
    { maxLength: 300 },
  ),
});

const timesOf = (gaps: readonly number[], windowSeconds: number): number[] => {
  // Scale gaps to the window so short windows see comparable traffic.
  const scale = windowSeconds / 60;
  let t = 1_700_000_000_000;
  return gaps.map((g) => {
    t += Math.floor(g * scale);
    return t;
  });
};

/** Straightforward reference: counts per absolute bucket, no ring buffer. */
function reference(limit: number, windowSeconds: number, times: readonly number[]): RateLimitResult[] {
  const s = (windowSeconds * 1000) / 12;
  const buckets = new Map<number, number>();
  return times.map((now) => {
    const idx = Math.floor(now / s);
    const count = (j: number) => buckets.get(j) ?? 0;
    let total = 0;
    for (let j = idx - 12; j <= idx; j++) total += count(j);
    if (total < limit) {
      buckets.set(idx, count(idx) + 1);
      let oldest = idx;
      for (let j = idx - 12; j <= idx; j++) {
        if (count(j) > 0) {
          oldest = j;
          break;
        }
      }
      return {
        allowed: true,
        limit,
        remaining: limit - total - 1,
        resetSeconds: Math.ceil(((oldest + 13) * s - now) / 1000),
      };
    }
    let left = total;
    for (let j = idx - 12; j <= idx; j++) {
      left -= count(j);
      if (left < limit) {
        return {
          allowed: false,
          limit,
          remaining: 0,
          resetSeconds: Math.max(1, Math.ceil(((j + 13) * s - now) / 1000)),
        };
      }
    }
    throw new Error('unreachable for limit >= 1');
  });
}

describe('slidingWindowConsume properties', () => {
  it('never admits more than `limit` requests in any interval of W seconds', () => {
    fc.assert(
      fc.property(timeline, ({ limit, windowSeconds, gaps }) => {
        const times = timesOf(gaps, windowSeconds);
        const results = run(limit, times, windowSeconds);
        const admitted = times.filter((_, i) => results[i]!.allowed);
        // The busiest closed interval [a, a + W] starts at an admission.
        let end = 0;
        for (let start = 0; start < admitted.length; start++) {
          while (end < admitted.length && admitted[end]! <= admitted[start]! + windowSeconds * 1000) end++;
          if (end - start > limit) return false;
        }
        return true;
      }),
      { numRuns: 500 },
    );
  });

  it('Retry-After is exact: waiting that long suffices, one second less does not', () => {
    fc.assert(
      fc.property(timeline, ({ limit, windowSeconds, gaps }) => {
        const times = timesOf(gaps, windowSeconds);
        let state: SlidingWindowState | undefined;
        for (const t of times) {
          const step = slidingWindowConsume(state, limit, windowSeconds, t);
          if (!step.result.allowed) {
            const wait = step.result.resetSeconds * 1000;
            if (!slidingWindowConsume(step.state, limit, windowSeconds, t + wait).result.allowed)
              return false;
            if (slidingWindowConsume(step.state, limit, windowSeconds, t + wait - 1000).result.allowed)
              return false;
          }
          state = step.state;
        }
        return true;
      }),
      { numRuns: 500 },
    );
  });

  it('matches a plain per-bucket reference implementation', () => {
    fc.assert(
      fc.property(timeline, ({ limit, windowSeconds, gaps }) => {
        const times = timesOf(gaps, windowSeconds);
        expect(run(limit, times, windowSeconds)).toEqual(reference(limit, windowSeconds, times));
      }),
      { numRuns: 300 },
    );
  });
});
