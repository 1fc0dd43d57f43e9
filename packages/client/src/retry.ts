/**
 * Bounded retries with exponential backoff and full jitter: attempt n waits a
 * uniformly random time in [0, min(maxDelayMs, baseDelayMs * 2^(n-1))], so
 * many workers failing together do not retry in lockstep. A server's
 * `Retry-After` replaces the jittered delay when it fits in the remaining
 * budget; when it does not, retrying stops at once.
 */
import type { RetryOptions } from './options.js';

/**
 * Thrown by an attempt that may succeed if repeated. `final` is what the
 * caller sees when no retry is left.
 */
export class RetryableFailure extends Error {
  /** Builds the error to throw once retries are exhausted. */
  readonly final: (attempts: number, retryAfterSec?: number) => Error;
  /** Delay the server asked for, in ms (`Retry-After`), if any. */
  readonly retryAfterMs: number | undefined;

  constructor(final: (attempts: number, retryAfterSec?: number) => Error, retryAfterMs?: number) {
    super('retryable failure');
    this.final = final;
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * HTTP statuses worth retrying, for the token request and discovery alike:
 * 408 (request timeout), 429 (rate limited) and every 5xx.
 */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Full-jitter backoff delay before attempt `attempt + 1`, in ms. */
export function backoffDelay(attempt: number, policy: Required<RetryOptions>, random = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` until it succeeds, throws something other than
 * {@link RetryableFailure}, or the policy's attempts or total budget run out.
 * `attempt` receives the timeout it must use (the per-request timeout,
 * shortened to what is left of the budget).
 */
export async function withRetry<T>(
  attempt: (timeoutMs: number) => Promise<T>,
  policy: Required<RetryOptions>,
  timeoutMs: number,
): Promise<T> {
  // Monotonic clock: the user's `now` option may be a frozen test clock.
  const start = performance.now();
  for (let n = 1; ; n++) {
    const remaining = policy.maxTotalMs - (performance.now() - start);
    try {
      // Whole ms: the value ends up in error messages ("timed out after 453 ms").
      return await attempt(Math.max(1, Math.floor(Math.min(timeoutMs, remaining))));
    } catch (error) {
      if (!(error instanceof RetryableFailure)) throw error;
      if (n >= policy.attempts) throw error.final(n);
      const left = policy.maxTotalMs - (performance.now() - start);
      if (error.retryAfterMs !== undefined) {
        if (error.retryAfterMs >= left) throw error.final(n, Math.ceil(error.retryAfterMs / 1000));
        await sleep(error.retryAfterMs);
      } else {
        const delay = backoffDelay(n, policy);
        // Waiting past the budget would only make the final error later.
        if (delay >= left) throw error.final(n);
        await sleep(delay);
      }
    }
  }
}
