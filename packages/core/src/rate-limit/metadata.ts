/**
 * Reading `rate_limit_per_minute` out of client metadata, with validation.
 * A value is accepted when it is a non-negative safe integer; `0` means the
 * client may make no requests at all (every request is answered 429), a way to
 * suspend a client without revoking it. Anything else (string, fraction,
 * negative, NaN, Infinity) is ignored, so the client falls back to
 * `defaultPerMinute`, and reported once through `onEvent`.
 */
import { LRUCache } from 'lru-cache';
import { isScopegateError } from '../errors.js';
import type { ClientMetadata, ClientMetadataSource, EventHandler, VerifiedToken } from '../types.js';

/** The metadata member scopegate reads. */
export const RATE_LIMIT_METADATA_KEY = 'rate_limit_per_minute';

/** Whether `value` is an acceptable `rate_limit_per_minute` (a non-negative safe integer). */
export function isValidRateLimit(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Calls an event handler, ignoring anything it throws (reporting must never break a request). */
export function emit(onEvent: EventHandler | undefined, event: Parameters<EventHandler>[0]): void {
  if (!onEvent) return;
  try {
    onEvent(event);
  } catch {
    // a faulty handler must not affect request handling
  }
}

/** Looks a client up in a {@link ClientMetadataSource}; the map form answers synchronously. */
export type MetadataLookup = (
  clientId: string,
  auth: VerifiedToken,
) => ClientMetadata | undefined | Promise<ClientMetadata | undefined>;

/** Turns either source form into one lookup function (own properties only for maps, so `__proto__` or `constructor` never match). */
export function toMetadataLookup(source: ClientMetadataSource): MetadataLookup {
  if (typeof source === 'function') return source;
  return (clientId) => (Object.hasOwn(source, clientId) ? source[clientId] : undefined);
}

/** Default time an asynchronous metadata lookup may take before the client gets `defaultPerMinute`. */
export const DEFAULT_METADATA_TIMEOUT_MS = 5_000;

/**
 * Marks a source that bounds its own lookups and decides itself what a failed
 * one means (the Hydra source's `timeoutMs` and `onUnavailable`): its value is
 * that bound in ms. The limiter then waits at least this long, so its own
 * timer never pre-empts the source's decision (a `'reject'` source would
 * otherwise fail open whenever `metadataTimeoutMs` is the shorter).
 */
export const SELF_BOUNDED_MS: unique symbol = Symbol('scopegate.metadataSelfBoundedMs');

// Time a self-bounded source gets beyond its own bound to turn its abort into an answer.
const SELF_BOUND_MARGIN_MS = 250;
const MAX_TIMER_MS = 2_147_483_647;

/** The time the limiter waits for `source`: `timeoutMs`, or longer for a self-bounded source. */
export function lookupTimeoutOf(source: ClientMetadataSource, timeoutMs: number): number {
  const bound =
    typeof source === 'function' ? (source as { [SELF_BOUNDED_MS]?: unknown })[SELF_BOUNDED_MS] : undefined;
  if (typeof bound !== 'number' || !Number.isFinite(bound)) return timeoutMs;
  return Math.min(MAX_TIMER_MS, Math.max(timeoutMs, Math.ceil(bound) + SELF_BOUND_MARGIN_MS));
}

/**
 * Resolves a client's per-minute limit from its metadata: a validated number,
 * or `undefined` when the metadata is absent, has no `rate_limit_per_minute`,
 * holds an invalid one (reported once per client and value), or an
 * asynchronous lookup did not settle within `timeoutMs` (reported; its late
 * answer is ignored). A source marked {@link SELF_BOUNDED_MS} gets at least
 * its own bound plus a margin.
 */
export function createLimitResolver(
  source: ClientMetadataSource,
  onEvent: EventHandler | undefined,
  timeoutMs: number = DEFAULT_METADATA_TIMEOUT_MS,
): (clientId: string, auth: VerifiedToken) => number | undefined | Promise<number | undefined> {
  const lookup = toMetadataLookup(source);
  const waitMs = lookupTimeoutOf(source, timeoutMs);
  // Bounded memory of what was already reported, so a misconfigured client does not flood onEvent.
  const reported = new LRUCache<string, true>({ max: 1000 });

  const extract = (clientId: string, metadata: unknown): number | undefined => {
    if (metadata === undefined || metadata === null) return undefined;
    if (typeof metadata !== 'object') {
      report(clientId, 'client metadata is not an object');
      return undefined;
    }
    const value = (metadata as ClientMetadata)[RATE_LIMIT_METADATA_KEY];
    if (value === undefined || value === null) return undefined;
    if (isValidRateLimit(value)) return value;
    report(clientId, `${RATE_LIMIT_METADATA_KEY} must be a non-negative integer (got ${describe(value)})`);
    return undefined;
  };

  const report = (clientId: string, error: string): void => {
    const key = `${clientId}\u0000${error}`;
    if (reported.has(key)) return;
    reported.set(key, true);
    emit(onEvent, { type: 'rate_limit_metadata_failed', clientId, error });
  };

  const failed = (clientId: string, error: unknown): undefined => {
    // A ScopegateError (e.g. the Hydra source's 503 in 'reject' mode) is the source's decision: pass it on.
    if (isScopegateError(error)) throw error;
    emit(onEvent, {
      type: 'rate_limit_metadata_failed',
      clientId,
      error: error instanceof Error ? error.message : String(error),
    });
    return undefined;
  };

  return (clientId, auth) => {
    let found: ClientMetadata | undefined | Promise<ClientMetadata | undefined>;
    try {
      found = lookup(clientId, auth);
    } catch (error) {
      return failed(clientId, error);
    }
    if (isThenable(found)) {
      return settleWithin(found, waitMs).then(
        (metadata) => extract(clientId, metadata),
        (error: unknown) => failed(clientId, error),
      );
    }
    return extract(clientId, found);
  };
}

/** Rejected by {@link settleWithin} when a lookup did not settle in time. */
class MetadataTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`client metadata lookup did not settle within ${timeoutMs} ms`);
    this.name = 'MetadataTimeoutError';
  }
}

// A lookup that never settles (a pool exhausted, a socket without a timeout) must not hold
// its request, or every later request of that client, forever.
function settleWithin<T>(lookup: PromiseLike<T>, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new MetadataTimeoutError(timeoutMs)), timeoutMs);
    // Never the reason a process stays alive.
    timer.unref?.();
    Promise.resolve(lookup).then(
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

function isThenable(value: unknown): value is PromiseLike<ClientMetadata | undefined> {
  return (
    typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
  );
}

// Describes a rejected value without echoing arbitrary-length content.
function describe(value: unknown): string {
  if (typeof value === 'string') return `a string of length ${value.length}`;
  if (typeof value === 'number') return String(value);
  return typeof value;
}
