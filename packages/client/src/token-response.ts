/**
 * A token obtained from the token endpoint. The access token itself sits in a
 * private field behind a getter, and `inspect`/`toJSON` show only the
 * metadata, so logging the object never leaks the token.
 */
import { elapsedMs, type Instant } from './clock.js';
import { REDACTED } from './redact.js';

/** An access token and what the client knows about it. */
export interface TokenResponse {
  /** The access token (send as `Authorization: Bearer <accessToken>`). */
  readonly accessToken: string;
  /** Always `'Bearer'` (other token types are refused). */
  readonly tokenType: 'Bearer';
  /**
   * When the token was requested, epoch ms (`Date.now()`, or the `now`
   * option). Informational: the cache decides by the token's age on a
   * monotonic clock, not by comparing these epoch values with the wall clock.
   */
  readonly obtainedAt: number;
  /**
   * Lifetime used, in seconds: `expires_in` (at least 1 s), or the default
   * when it was missing or absurd, clamped to the maximum.
   */
  readonly expiresInSec: number;
  /** `obtainedAt + expiresInSec * 1000`, epoch ms. */
  readonly expiresAt: number;
  /** When the client stops reusing the token and fetches a new one (expiry minus skew), epoch ms. */
  readonly refreshAt: number;
  /** The `scope` the server returned, or `undefined` when it returned none (RFC 6749: then equal to the requested scope). */
  readonly scope: string | undefined;
}

/** Implementation of {@link TokenResponse}. */
export class CachedToken implements TokenResponse {
  readonly #accessToken: string;
  readonly #obtained: Instant;
  readonly #refreshAfterMs: number;
  readonly #lifetimeMs: number;
  readonly tokenType = 'Bearer' as const;
  readonly obtainedAt: number;
  readonly expiresInSec: number;
  readonly expiresAt: number;
  readonly refreshAt: number;
  readonly scope: string | undefined;

  /**
   * @param obtained - when the request was sent.
   * @param expiresInSec - lifetime, already checked and clamped.
   * @param skewSec - how long before expiry to refresh (capped at half the lifetime).
   */
  constructor(accessToken: string, obtained: Instant, expiresInSec: number, skewSec: number, scope?: string) {
    this.#accessToken = accessToken;
    this.#obtained = obtained;
    this.#lifetimeMs = expiresInSec * 1000;
    // A skew larger than half the lifetime would make the token useless at once.
    this.#refreshAfterMs = this.#lifetimeMs - Math.min(skewSec, expiresInSec / 2) * 1000;
    this.obtainedAt = obtained.wall;
    this.expiresInSec = expiresInSec;
    this.expiresAt = obtained.wall + this.#lifetimeMs;
    this.refreshAt = obtained.wall + this.#refreshAfterMs;
    this.scope = scope;
  }

  get accessToken(): string {
    return this.#accessToken;
  }

  /** Ms since the token was requested (see {@link elapsedMs}). */
  ageMs(now: Instant): number {
    return elapsedMs(this.#obtained, now);
  }

  /** Not yet in the refresh window: serve it, nothing else to do. */
  isFresh(now: Instant): boolean {
    return this.ageMs(now) < this.#refreshAfterMs;
  }

  /** Not expired yet (it may be in the refresh window). */
  isValid(now: Instant): boolean {
    return this.ageMs(now) < this.#lifetimeMs;
  }

  /** Whether `token` is this token's value (used to invalidate only the token a server rejected). */
  is(token: string): boolean {
    return this.#accessToken === token;
  }

  /** Metadata only; the access token is replaced by a placeholder. */
  toJSON(): Record<string, unknown> {
    return {
      accessToken: REDACTED,
      tokenType: this.tokenType,
      obtainedAt: this.obtainedAt,
      expiresInSec: this.expiresInSec,
      expiresAt: this.expiresAt,
      refreshAt: this.refreshAt,
      scope: this.scope,
    };
  }

  [Symbol.for('nodejs.util.inspect.custom')](
    _depth: number,
    options: unknown,
    inspect: (value: unknown, options: unknown) => string,
  ): string {
    return `TokenResponse ${inspect(this.toJSON(), options)}`;
  }
}
