import { AlgorithmNotAllowedError, KeyNotFoundError } from '../errors.js';
import type { Jwk, JwkSet, JwtHeader } from '../types.js';
import { importVerificationKey } from './import-key.js';
import type { VerificationKey } from './key-source.js';

/** Which key types can verify which JWS algorithms. */
function keyFitsAlgorithm(key: VerificationKey, alg: string): boolean {
  switch (alg) {
    case 'RS256':
    case 'RS384':
    case 'RS512':
    case 'PS256':
    case 'PS384':
    case 'PS512':
      return key.kty === 'RSA';
    case 'ES256':
      return key.kty === 'EC' && key.crv === 'P-256';
    case 'ES384':
      return key.kty === 'EC' && key.crv === 'P-384';
    case 'ES512':
      return key.kty === 'EC' && key.crv === 'P-521';
    case 'EdDSA':
      return key.kty === 'OKP' && key.crv === 'Ed25519';
    case 'Ed25519':
      return key.kty === 'OKP' && key.crv === 'Ed25519';
    case 'HS256':
    case 'HS384':
    case 'HS512':
      return key.kty === 'oct';
    default:
      return false;
  }
}

/** Whether `key` can verify a token with this `alg`: its type fits, and its own `alg`, if any, is the same. */
function fits(key: VerificationKey, alg: string): boolean {
  return keyFitsAlgorithm(key, alg) && (key.alg === undefined || key.alg === alg);
}

/**
 * An imported, immutable set of verification keys with the selection rule
 * shared by every key source: the token's `kid` picks the key; without a
 * `kid`, the set's only key that fits the algorithm is used. A JWK that
 * declares its own `alg` only verifies tokens with that `alg`.
 */
export class KeySet {
  readonly size: number;
  private readonly byKid = new Map<string, VerificationKey>();
  // Later keys of a repeated kid, in order: RFC 7517 §4.5 lets keys of different types share
  // one (e.g. an RSA and an EC key for the same purpose). Empty for most sets.
  private readonly laterByKid = new Map<string, VerificationKey[]>();
  private readonly all: readonly VerificationKey[];

  constructor(keys: readonly VerificationKey[]) {
    this.all = keys;
    this.size = keys.length;
    for (const key of keys) {
      if (key.kid === undefined) continue;
      // First key wins for a duplicated kid, unless it cannot verify the token's alg and a later
      // one can: the set is what the issuer published, in order.
      if (!this.byKid.has(key.kid)) this.byKid.set(key.kid, key);
      else if (this.laterByKid.has(key.kid)) this.laterByKid.get(key.kid)?.push(key);
      else this.laterByKid.set(key.kid, [key]);
    }
  }

  /** Imports a JWK Set, skipping keys that cannot verify signatures. At most `maxKeys` keys are kept. */
  static async fromJwks(jwks: JwkSet, maxKeys = 100): Promise<KeySet> {
    const candidates = Array.isArray(jwks?.keys) ? (jwks.keys as readonly Jwk[]).slice(0, maxKeys) : [];
    const imported = await Promise.all(candidates.map((jwk) => importVerificationKey(jwk)));
    return new KeySet(imported.filter((key): key is VerificationKey => key !== undefined));
  }

  /** Whether a key with this `kid` is in the set. */
  hasKid(kid: string): boolean {
    return this.byKid.has(kid);
  }

  /**
   * The key for this header, or `undefined` when no key has the `kid` (the
   * caller may then refetch). Throws `AlgorithmNotAllowedError` when the key
   * exists but cannot verify the header's `alg`.
   */
  find(header: JwtHeader): VerificationKey | undefined {
    const { kid, alg } = header;
    let key: VerificationKey | undefined;
    if (kid !== undefined) {
      key = this.byKid.get(kid);
      if (!key) return undefined;
      if (!fits(key, alg)) key = this.laterByKid.get(kid)?.find((later) => fits(later, alg)) ?? key;
    } else {
      const fitting = this.all.filter((k) => fits(k, alg));
      if (fitting.length !== 1) {
        if (fitting.length > 1)
          throw new KeyNotFoundError('the token has no kid and several keys could verify it');
        return undefined;
      }
      key = fitting[0];
    }
    if (!key) return undefined;
    if (key.alg !== undefined && key.alg !== alg) {
      throw new AlgorithmNotAllowedError('the token alg does not match the alg of its key');
    }
    if (!keyFitsAlgorithm(key, alg)) {
      throw new AlgorithmNotAllowedError('the token alg cannot be used with its key type');
    }
    return key;
  }
}
