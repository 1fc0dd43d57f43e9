/** Bounded waiting for Redis: a slow reply must not hold a request. */

/** Rejected by {@link withTimeout} when the operation did not settle in time. */
export class RedisTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`Redis did not answer within ${timeoutMs} ms`);
    this.name = 'RedisTimeoutError';
  }
}

/**
 * Settles like `operation`, or rejects with {@link RedisTimeoutError} after
 * `timeoutMs` and calls `onTimeout` (so the operation can stop issuing
 * further commands). The late outcome of `operation` is ignored (its
 * rejection is swallowed so it cannot surface as an unhandled rejection).
 */
export function withTimeout<T>(operation: Promise<T>, timeoutMs: number, onTimeout?: () => void): Promise<T> {
  operation.catch(() => undefined);
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      onTimeout?.();
      reject(new RedisTimeoutError(timeoutMs));
    }, timeoutMs);
    // An outstanding wait must not keep a process alive that is otherwise done.
    timer.unref();
    operation.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
