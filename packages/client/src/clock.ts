/**
 * Time for the token cache. `expires_in` is relative, so a token's age is
 * what decides, and the wall clock alone is a poor judge of age: an NTP or
 * operator step backwards would make an expired token look fresh (and a just
 * refreshed one look "younger" than the 401-retry threshold for as long as
 * the step). The monotonic clock cannot step, but on Linux it stops while the
 * machine or VM is suspended. So an age is the larger of the two elapsed
 * times: a backward wall step is ignored, a suspend still counts, and the
 * worst a forward wall step can do is one early refresh.
 */

/** One reading of both clocks, in ms. */
export interface Instant {
  /** Epoch ms (`Date.now()`); labels a token for people (`expiresAt`). */
  readonly wall: number;
  /** Monotonic ms (`performance.now()`); never goes backwards. */
  readonly mono: number;
}

/** Where the client reads the time. */
export type Clock = () => Instant;

/** The system clocks. */
export const systemClock: Clock = () => ({ wall: Date.now(), mono: performance.now() });

/**
 * A clock driven by the user's `now` option (tests advance it by hand): it
 * is both readings, so it is trusted not to go backwards.
 */
export function clockFrom(now: () => number): Clock {
  return () => {
    const t = now();
    return { wall: t, mono: t };
  };
}

/** Ms from `since` to `now`: the larger of the monotonic and the wall-clock difference. */
export function elapsedMs(since: Instant, now: Instant): number {
  return Math.max(now.mono - since.mono, now.wall - since.wall);
}
