import type { KeyObject } from 'node:crypto';
import type { JwtHeader } from '../types.js';

/**
 * A key ready for `node:crypto` verification. Imported once (through jose's
 * JWK import) when the key set is loaded, never per request.
 */
export interface VerificationKey {
  /** `kid` of the JWK, if any. */
  readonly kid: string | undefined;
  /** The JWK's own `alg`, if it declares one: the token's `alg` must then equal it. */
  readonly alg: string | undefined;
  /** `RSA`, `EC`, `OKP` or `oct`. */
  readonly kty: string;
  /** Curve for EC / OKP keys (`P-256`, `Ed25519`, …). */
  readonly crv: string | undefined;
  /** The key as a KeyObject (public, or secret for `oct`). */
  readonly keyObject: KeyObject;
}

/**
 * Supplies verification keys for tokens. Implementations: a static JWK Set,
 * a shared secret, and the remote JWKS cache. The header's `jku`, `x5u`,
 * `jwk` and `x5c` are never consulted: only `kid` (and `alg`) select a key.
 */
export interface KeySource {
  /**
   * The key for this header. Returns synchronously when the key is cached so
   * the hot path does not pay for a promise. Rejects (or throws) with
   * `KeyNotFoundError` (401) when no key matches after at most one refetch,
   * or `TemporarilyUnavailableError` (503) when no keys can be had at all.
   * `issuer` (the token's unverified `iss`) is passed only to sources that
   * route between several issuers' key sets; single sources ignore it.
   */
  getKey(header: JwtHeader, issuer?: string): VerificationKey | Promise<VerificationKey>;
  /** Loads keys now (discovery and JWKS for remote sources). */
  warmup(): Promise<void>;
}
