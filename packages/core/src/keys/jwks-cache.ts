/**
 * The JWKS cache of one remote key source. Keys are imported once per fetch
 * (through {@link KeySet.fromJwks}, i.e. jose's JWK import) and then served
 * synchronously; the network is only used lazily, by one request at a time,
 * and never more often than the cooldown and failure backoff allow.
 *
 * Timeline of one key set, with `age = now - fetchedAt`:
 * - `age < maxAge`: fresh, served as is;
 * - `maxAge <= age < maxAge + staleIfErrorMs`: served as is while a
 *   background refresh runs (stale-while-revalidate); if refreshes fail the
 *   set keeps serving (stale-if-error, RFC 5861 semantics);
 * - beyond that window the set is dropped and requests wait for a fetch.
 */
import { performance } from 'node:perf_hooks';
import { ConfigurationError, KeyNotFoundError, TemporarilyUnavailableError } from '../errors.js';
import { checkOptionNames, JWKS_CACHE_CONFIG_NAMES } from '../option-names.js';
import type { EventHandler, Jwk, JwkSet, JwksCacheOptions, JwtHeader, ScopegateEvent } from '../types.js';
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_TIMEOUT_MS,
  FetchJsonError,
  type FetchJsonOptions,
  fetchJson,
} from './fetch-json.js';
import { hasPrivatePart, isSigningKey } from './import-key.js';
import { KeySet } from './key-set.js';
import type { VerificationKey } from './key-source.js';

/** Default values of {@link JwksCacheOptions}, in milliseconds / bytes / keys. */
export const JWKS_CACHE_DEFAULTS = {
  maxAgeMs: 600_000,
  minMaxAgeMs: 60_000,
  maxMaxAgeMs: 86_400_000,
  cooldownMs: 30_000,
  staleIfErrorMs: 86_400_000,
  timeoutMs: DEFAULT_TIMEOUT_MS,
  maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES,
  maxKeys: 100,
  failureBackoffMs: 5_000,
} as const;

/** Options of {@link JwksCache}. */
export interface JwksCacheConfig extends JwksCacheOptions {
  /**
   * The JWKS URL, or a function that resolves it (discovery). The function is
   * called inside the single in-flight fetch with the time budget it may use
   * (`timeoutMs`); the JWKS request then gets what is left of it, so one
   * attempt never takes longer than `timeoutMs` in total.
   */
  jwksUri: string | ((timeoutMs: number) => Promise<string>);
  /** Allow `http:` JWKS URLs on non-loopback hosts. Default false. */
  allowInsecureHttp?: boolean;
  /** `fetch` implementation. Default: `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Clock in milliseconds driving every cache decision (not the fetch timeout). Default `Date.now`. */
  now?: () => number;
  /** Receives `jwks_fetch`, `jwks_fetch_failed`, `jwks_stale` and `jwks_refetch_unknown_kid`. Exceptions are swallowed. */
  onEvent?: EventHandler;
}

/** Diagnostics of a {@link JwksCache}. */
export interface JwksCacheStatus {
  /** Keys currently held (0 before the first successful fetch). */
  readonly keys: number;
  /** `now()` of the last successful fetch or {@link JwksCache.loadJwks}, if any. */
  readonly fetchedAt: number | undefined;
  /** Freshness lifetime of the held keys, in ms. */
  readonly maxAgeMs: number | undefined;
  /** Whether the held keys are past their max age (served stale). */
  readonly stale: boolean;
  /** Whether a fetch is in flight. */
  readonly fetching: boolean;
  /** The JWKS URL, once known (after discovery). */
  readonly uri: string | undefined;
}

/** The JWK Set is unusable (no `keys` array, or no usable signing key). */
class JwksContentError extends Error {}

// Only public, signature-related members are kept for export.
const EXPORTED_MEMBERS = ['kty', 'kid', 'use', 'alg', 'key_ops', 'crv', 'n', 'e', 'x', 'y'] as const;

function option(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new ConfigurationError(`jwksCache.${name} must be a finite number >= 0`);
  return value;
}

/**
 * One key set fetched from one JWKS URL, with lazy fetching, single-flight
 * requests, an unknown-`kid` refetch cooldown, background refresh, stale-if-
 * error and a failure backoff. See the core README, section "JWKS cache".
 */
export class JwksCache {
  private readonly settings: Required<JwksCacheOptions>;
  private readonly fetchOptions: FetchJsonOptions;
  private readonly resolveUri: (timeoutMs: number) => Promise<string>;
  private readonly now: () => number;
  private readonly onEvent: EventHandler | undefined;

  private keySet: KeySet | undefined;
  private jwks: JwkSet | undefined;
  private fetchedAt: number | undefined;
  private keysMaxAgeMs: number | undefined;
  /** Start of the last fetch attempt (any cause): the unknown-kid cooldown runs from here. */
  private lastAttemptAt: number | undefined;
  /** End of the last failed attempt, cleared by a success: the failure backoff runs from here. */
  private lastFailureAt: number | undefined;
  private inflight: Promise<KeySet> | undefined;
  private uri: string | undefined;

  constructor(config: JwksCacheConfig) {
    checkOptionNames(config, JWKS_CACHE_CONFIG_NAMES, 'JwksCache');
    const d = JWKS_CACHE_DEFAULTS;
    this.settings = {
      maxAgeMs: option('maxAgeMs', config.maxAgeMs, d.maxAgeMs),
      minMaxAgeMs: option('minMaxAgeMs', config.minMaxAgeMs, d.minMaxAgeMs),
      maxMaxAgeMs: option('maxMaxAgeMs', config.maxMaxAgeMs, d.maxMaxAgeMs),
      cooldownMs: option('cooldownMs', config.cooldownMs, d.cooldownMs),
      staleIfErrorMs: option('staleIfErrorMs', config.staleIfErrorMs, d.staleIfErrorMs),
      timeoutMs: option('timeoutMs', config.timeoutMs, d.timeoutMs),
      maxResponseBytes: option('maxResponseBytes', config.maxResponseBytes, d.maxResponseBytes),
      maxKeys: option('maxKeys', config.maxKeys, d.maxKeys),
      failureBackoffMs: option('failureBackoffMs', config.failureBackoffMs, d.failureBackoffMs),
    };
    if (this.settings.minMaxAgeMs > this.settings.maxMaxAgeMs)
      throw new ConfigurationError('jwksCache.minMaxAgeMs must not exceed jwksCache.maxMaxAgeMs');
    this.fetchOptions = {
      fetch: config.fetch,
      timeoutMs: this.settings.timeoutMs,
      maxResponseBytes: this.settings.maxResponseBytes,
      allowInsecureHttp: config.allowInsecureHttp ?? false,
    };
    const { jwksUri } = config;
    if (typeof jwksUri === 'string') this.uri = jwksUri;
    this.resolveUri = typeof jwksUri === 'string' ? async () => jwksUri : jwksUri;
    this.now = config.now ?? Date.now;
    this.onEvent = config.onEvent;
  }

  /**
   * The key for a token header.
   *
   * Returns the key synchronously whenever usable keys are held (fresh, or
   * stale within the stale-if-error window; a stale set also starts one
   * background refresh). Otherwise returns a promise that settles with the
   * single in-flight fetch. Throws or rejects with:
   * - `KeyNotFoundError` (401) when no held key matches and a refetch is not
   *   allowed yet (cooldown) or did not bring the key;
   * - `AlgorithmNotAllowedError` (401) when the key exists but not for this `alg`;
   * - `TemporarilyUnavailableError` (503, `Retry-After`) when no keys can be had.
   */
  getKey(header: JwtHeader): VerificationKey | Promise<VerificationKey> {
    const now = this.now();
    const keys = this.usableKeys(now);
    if (!keys) return this.keyWithoutKeys(header, now);
    if (this.isStale(now)) this.refreshInBackground(now);
    const key = keys.find(header);
    if (key) return key;
    return this.keyAfterRefetch(header, now);
  }

  /**
   * Makes sure usable keys are held: resolves at once when they are fresh,
   * otherwise waits for a fetch. Rejects with `TemporarilyUnavailableError`
   * when no keys can be had (stale keys within the window count as usable).
   */
  async warmup(): Promise<void> {
    const now = this.now();
    if (this.usableKeys(now) && !this.isStale(now)) return;
    if (this.inflight) {
      await this.inflight.catch((error) => this.unavailableUnlessUsable(error));
      return;
    }
    const waitMs = this.backoffLeft(now);
    if (waitMs > 0) {
      if (this.usableKeys(now)) return;
      throw this.unavailable(waitMs);
    }
    await this.startFetch(now).catch((error) => this.unavailableUnlessUsable(error));
  }

  /**
   * Seeds the cache with a JWK Set (e.g. one saved with {@link exportJwks},
   * like aws-jwt-verify's `cacheJwks`), replacing the held keys. The keys
   * count as fetched at `now()` (or `fetchedAt`), so they are refreshed after
   * `maxAgeMs` as usual; loading does not start the unknown-`kid` cooldown.
   * @throws ConfigurationError when the set holds no usable signing key.
   */
  async loadJwks(jwks: JwkSet, options: { fetchedAt?: number; maxAgeMs?: number } = {}): Promise<void> {
    const set = await KeySet.fromJwks(jwks, this.settings.maxKeys);
    if (set.size === 0) throw new ConfigurationError('the JWK Set has no usable signing keys');
    this.commit(set, jwks, options.maxAgeMs ?? this.settings.maxAgeMs, options.fetchedAt ?? this.now());
  }

  /**
   * The held keys as a JWK Set (public, signature-related members only), for
   * saving and later {@link loadJwks}; `undefined` before the first load.
   */
  exportJwks(): JwkSet | undefined {
    return this.jwks;
  }

  /** Resolves once no fetch is in flight (for tests and graceful shutdown). Never rejects. */
  async settled(): Promise<void> {
    while (this.inflight) await this.inflight.catch(() => {});
  }

  /** Diagnostics: how many keys, how old, whether a fetch runs. */
  status(): JwksCacheStatus {
    const now = this.now();
    return {
      keys: this.keySet?.size ?? 0,
      fetchedAt: this.fetchedAt,
      maxAgeMs: this.keysMaxAgeMs,
      stale: this.keySet !== undefined && this.isStale(now),
      fetching: this.inflight !== undefined,
      uri: this.uri,
    };
  }

  // ------------------------------------------------------------ internals

  /** The held keys unless past the stale-if-error window (then they are dropped). */
  private usableKeys(now: number): KeySet | undefined {
    if (!this.keySet || this.fetchedAt === undefined || this.keysMaxAgeMs === undefined) return undefined;
    if (now - this.fetchedAt >= this.keysMaxAgeMs + this.settings.staleIfErrorMs) {
      this.keySet = undefined;
      return undefined;
    }
    return this.keySet;
  }

  private isStale(now: number): boolean {
    return now - (this.fetchedAt ?? 0) >= (this.keysMaxAgeMs ?? 0);
  }

  private backoffLeft(now: number): number {
    if (this.lastFailureAt === undefined) return 0;
    return Math.max(0, this.lastFailureAt + this.settings.failureBackoffMs - now);
  }

  private refreshInBackground(now: number): void {
    if (this.inflight || this.backoffLeft(now) > 0) return;
    this.startFetch(now).catch(() => {});
  }

  /** No usable keys: share the in-flight fetch, fail fast during the backoff, or fetch. */
  private keyWithoutKeys(header: JwtHeader, now: number): Promise<VerificationKey> {
    let pending = this.inflight;
    if (!pending) {
      const waitMs = this.backoffLeft(now);
      if (waitMs > 0) throw this.unavailable(waitMs);
      pending = this.startFetch(now);
    }
    return pending.then(
      (set) => pick(set, header),
      (error: unknown) => {
        throw this.unavailable(this.settings.failureBackoffMs, error);
      },
    );
  }

  /** Keys are held but none matches: at most one refetch per cooldown, else fail fast. */
  private keyAfterRefetch(header: JwtHeader, now: number): Promise<VerificationKey> {
    let pending = this.inflight;
    if (!pending) {
      const inCooldown =
        this.lastAttemptAt !== undefined && now - this.lastAttemptAt < this.settings.cooldownMs;
      if (inCooldown || this.backoffLeft(now) > 0) throw new KeyNotFoundError();
      this.emit({ type: 'jwks_refetch_unknown_kid', uri: this.uri ?? '' });
      pending = this.startFetch(now);
    }
    return pending.then(
      (set) => pick(set, header),
      (error: unknown) => {
        // Keys are still held (or were, before the window closed); the kid is just not among them.
        if (this.usableKeys(this.now())) throw new KeyNotFoundError();
        throw this.unavailable(this.settings.failureBackoffMs, error);
      },
    );
  }

  /** Starts the single in-flight fetch (resolve URI, GET, import). */
  private startFetch(now: number): Promise<KeySet> {
    if (this.inflight) return this.inflight;
    this.lastAttemptAt = now;
    const pending = this.fetchOnce().finally(() => {
      if (this.inflight === pending) this.inflight = undefined;
    });
    this.inflight = pending;
    return pending;
  }

  private async fetchOnce(): Promise<KeySet> {
    const started = performance.now();
    let uri: string;
    try {
      uri = await this.resolveUri(this.settings.timeoutMs);
      this.uri = uri;
    } catch (error) {
      // The resolver (discovery) reports its own failure event.
      this.recordFailure(undefined, error);
      throw error;
    }
    try {
      const left = this.settings.timeoutMs - (performance.now() - started);
      const doc = await fetchJson(uri, { ...this.fetchOptions, timeoutMs: Math.max(1, Math.ceil(left)) });
      if (!Array.isArray(doc.body.keys)) throw new JwksContentError('the JWK Set has no keys array');
      const jwks = doc.body as unknown as JwkSet;
      const set = await KeySet.fromJwks(jwks, this.settings.maxKeys);
      // Skipped like any unusable key, but the issuer has leaked a signing key: say so loudly.
      const leaked = countPrivateKeys(jwks, this.settings.maxKeys);
      if (leaked > 0)
        this.emit({
          type: 'misconfigured',
          error: `the JWK Set at ${uri} publishes ${leaked} private key${leaked === 1 ? '' : 's'} (skipped): rotate ${leaked === 1 ? 'it' : 'them'} at the issuer`,
        });
      if (set.size === 0) throw new JwksContentError('the JWK Set has no usable signing keys');
      const { minMaxAgeMs, maxMaxAgeMs, maxAgeMs } = this.settings;
      const maxAge =
        doc.maxAgeMs === undefined ? maxAgeMs : Math.min(maxMaxAgeMs, Math.max(minMaxAgeMs, doc.maxAgeMs));
      this.commit(set, jwks, maxAge, this.now());
      this.emit({
        type: 'jwks_fetch',
        uri,
        keys: set.size,
        durationMs: Math.round(performance.now() - started),
      });
      return set;
    } catch (error) {
      this.recordFailure(uri, error);
      throw error;
    }
  }

  private commit(set: KeySet, jwks: JwkSet, maxAgeMs: number, fetchedAt: number): void {
    this.keySet = set;
    this.jwks = publicJwks(jwks, this.settings.maxKeys);
    this.fetchedAt = fetchedAt;
    this.keysMaxAgeMs = maxAgeMs;
    this.lastFailureAt = undefined;
  }

  private recordFailure(uri: string | undefined, error: unknown): void {
    const now = this.now();
    this.lastFailureAt = now;
    const stale = this.usableKeys(now) !== undefined;
    if (uri !== undefined)
      this.emit({ type: 'jwks_fetch_failed', uri, error: describeFailure(error), stale });
    if (stale)
      this.emit({ type: 'jwks_stale', uri: uri ?? this.uri ?? '', ageMs: now - (this.fetchedAt ?? now) });
  }

  private unavailable(retryAfterMs: number, cause?: unknown): TemporarilyUnavailableError {
    return new TemporarilyUnavailableError(undefined, { cause, retryAfter: retryAfterMs / 1000 });
  }

  private unavailableUnlessUsable(error: unknown): void {
    if (!this.usableKeys(this.now())) throw this.unavailable(this.settings.failureBackoffMs, error);
  }

  private emit(event: ScopegateEvent): void {
    if (!this.onEvent) return;
    try {
      this.onEvent(event);
    } catch {
      // A failing event handler must not break verification.
    }
  }
}

function pick(set: KeySet, header: JwtHeader): VerificationKey {
  const key = set.find(header);
  if (!key) throw new KeyNotFoundError();
  return key;
}

/** Short, body-free description of a fetch failure for events. */
function describeFailure(error: unknown): string {
  if (error instanceof FetchJsonError || error instanceof JwksContentError) return error.message;
  return 'unexpected error';
}

function countPrivateKeys(jwks: JwkSet, maxKeys: number): number {
  let count = 0;
  for (const jwk of jwks.keys.slice(0, maxKeys))
    if (typeof jwk === 'object' && jwk !== null && hasPrivatePart(jwk)) count++;
  return count;
}

function publicJwks(jwks: JwkSet, maxKeys: number): JwkSet {
  const keys: Jwk[] = [];
  for (const jwk of jwks.keys.slice(0, maxKeys)) {
    if (typeof jwk !== 'object' || jwk === null || !isSigningKey(jwk)) continue;
    const copy: Record<string, unknown> = {};
    for (const member of EXPORTED_MEMBERS) if (jwk[member] !== undefined) copy[member] = jwk[member];
    keys.push(copy as unknown as Jwk);
  }
  return { keys };
}
