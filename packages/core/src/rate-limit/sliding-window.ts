/**
 * The segmented sliding window, scopegate's rate-limiting algorithm. Every
 * {@link RateLimitStore} (memory, Redis) implements exactly this, so this
 * module is the reference the others are tested against.
 *
 * Window `W = windowSeconds`, split into {@link SLIDING_WINDOW_SEGMENTS} (12)
 * segments of `s = W * 1000 / 12` ms (5 s for W = 60). At time `nowMs` the
 * current bucket is `idx = floor(nowMs / s)`. The counted buckets are
 * `idx - 12 .. idx` (13 buckets, covering between W and W + s of history);
 * `total` is the sum of their counts.
 *
 * - `total < limit`: bucket `idx` is incremented; allowed; `remaining = limit - total - 1`;
 *   `resetSeconds = ceil(((jOldest + 13) * s - nowMs) / 1000)` where `jOldest` is the
 *   oldest non-empty counted bucket (when it leaves the window).
 * - otherwise: rejected, nothing counted, `remaining = 0`; `resetSeconds` is the
 *   Retry-After: the smallest `j` in `[idx - 12, idx]` with
 *   `total - sum(counts[idx - 12 .. j]) < limit`, giving
 *   `max(1, ceil(((j + 13) * s - nowMs) / 1000))` (bucket `j` stops counting at
 *   `(j + 13) * s`). With `limit` 0 no `j` qualifies and `resetSeconds = W`.
 *
 * Guarantee: in ANY interval of W seconds at most `limit` requests are
 * admitted. Proof: let t1 be the last admission in an interval [t0, t0 + W]
 * and idx1 its bucket. Every admission at t >= t0 >= t1 - W has bucket
 * floor(t / s) >= floor(t1 / s - 12) = idx1 - 12, so all of the interval's
 * admissions are counted in buckets idx1 - 12 .. idx1, whose sum right after
 * admitting t1 is at most `limit` (it was below `limit` before). Cost: after a
 * full burst a client may wait up to W + s for quota to return. Memory: 13
 * counters and one index per key.
 *
 * Time must not run backwards for the proof to hold; a clock that steps back
 * is treated as standing still (the latest bucket seen is kept).
 */
import type { RateLimitResult } from '../types.js';

/** Number of segments a window is divided into (the counted history is this plus the current one). */
export const SLIDING_WINDOW_SEGMENTS = 12;

/** Number of counters kept per key: the 12 past segments plus the current one. */
const BUCKETS = SLIDING_WINDOW_SEGMENTS + 1;

/**
 * Per-key state: a ring of 13 counters indexed by `bucket mod 13`, and the
 * latest bucket index written. Treat as opaque outside this module.
 */
export interface SlidingWindowState {
  /** Bucket index of the latest consume; `-Infinity` for a fresh state. */
  last: number;
  /** Counts of buckets `last - 12 .. last`, bucket `b` at `b mod 13`. Length 13. */
  readonly counts: number[];
}

/** A fresh state (no requests seen). */
export function createSlidingWindowState(): SlidingWindowState {
  return { last: Number.NEGATIVE_INFINITY, counts: new Array<number>(BUCKETS).fill(0) };
}

/** Segment length in milliseconds for a window. */
export function segmentMs(windowSeconds: number): number {
  return (windowSeconds * 1000) / SLIDING_WINDOW_SEGMENTS;
}

function slot(bucket: number): number {
  return ((bucket % BUCKETS) + BUCKETS) % BUCKETS;
}

/**
 * Applies one request to `state` in place (no copy, no allocation besides the
 * result) and returns the outcome. Same semantics as {@link slidingWindowConsume};
 * stores use this form on state they own.
 */
export function slidingWindowConsumeInPlace(
  state: SlidingWindowState,
  limit: number,
  windowSeconds: number,
  nowMs: number,
): RateLimitResult {
  const s = segmentMs(windowSeconds);
  const counts = state.counts;
  let idx = Math.floor(nowMs / s);
  if (idx < state.last) idx = state.last; // clock stepped back: hold the latest bucket
  if (idx - state.last >= BUCKETS) {
    counts.fill(0);
  } else {
    // Buckets between the last write and now held counts from 13 buckets ago.
    for (let b = state.last + 1; b <= idx; b++) counts[slot(b)] = 0;
  }
  state.last = idx;

  const oldest = idx - SLIDING_WINDOW_SEGMENTS;
  let total = 0;
  for (let i = 0; i < BUCKETS; i++) total += counts[i]!;

  if (total < limit) {
    counts[slot(idx)]! += 1;
    let jOldest = idx;
    for (let j = oldest; j <= idx; j++) {
      if (counts[slot(j)]! > 0) {
        jOldest = j;
        break;
      }
    }
    return {
      allowed: true,
      limit,
      remaining: limit - total - 1,
      resetSeconds: Math.max(1, Math.ceil(((jOldest + BUCKETS) * s - nowMs) / 1000)),
    };
  }

  let resetSeconds = windowSeconds;
  let left = total;
  for (let j = oldest; j <= idx; j++) {
    left -= counts[slot(j)]!;
    if (left < limit) {
      resetSeconds = Math.max(1, Math.ceil(((j + BUCKETS) * s - nowMs) / 1000));
      break;
    }
  }
  return { allowed: false, limit, remaining: 0, resetSeconds };
}

/**
 * The algorithm as a pure step function: given a key's state (or `undefined`
 * for a key never seen), the limit per window and the time, returns the
 * outcome and the next state. The input state is not modified.
 *
 * @param state - the key's state from the previous step, or `undefined`.
 * @param limit - requests admitted per window (a non-negative integer; 0 admits nothing).
 * @param windowSeconds - window length W in seconds (scopegate uses 60).
 * @param nowMs - current time, epoch milliseconds (never decreasing for the guarantee to hold).
 */
export function slidingWindowConsume(
  state: SlidingWindowState | undefined,
  limit: number,
  windowSeconds: number,
  nowMs: number,
): { readonly result: RateLimitResult; readonly state: SlidingWindowState } {
  const next = state ? { last: state.last, counts: state.counts.slice() } : createSlidingWindowState();
  const result = slidingWindowConsumeInPlace(next, limit, windowSeconds, nowMs);
  return { result, state: next };
}
