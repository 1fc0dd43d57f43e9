import { createSecretKey, KeyObject } from 'node:crypto';
import { importJWK, type JWK } from 'jose';
import type { Jwk } from '../types.js';
import type { VerificationKey } from './key-source.js';

// jose needs an algorithm to import a JWK (WebCrypto keys are bound to one);
// the resulting KeyObject is not, so one canonical algorithm per key type is
// enough and the token's `alg` is checked against the key separately.
const CANONICAL_ALG: Record<string, string> = {
  RSA: 'RS256',
  'EC:P-256': 'ES256',
  'EC:P-384': 'ES384',
  'EC:P-521': 'ES512',
  'OKP:Ed25519': 'EdDSA',
  // No Ed448: jose 6, the reference for every verification decision, cannot import or verify it.
};

// Only public members are imported (a key with a private part is refused
// before this: see isSigningKey), whatever else a JWK carries.
const PUBLIC_MEMBERS: Record<string, readonly string[]> = {
  RSA: ['kty', 'n', 'e'],
  EC: ['kty', 'crv', 'x', 'y'],
  OKP: ['kty', 'crv', 'x'],
};

/** Smallest RSA modulus accepted, in bits. Smaller keys in a key set are ignored. */
export const MIN_RSA_BITS = 2048;

/**
 * Whether a JWK from a key set may be used to verify signatures: `use` absent
 * or `sig`; `key_ops` absent or exactly `["verify"]`; `ext` absent or a
 * boolean; no private part (see {@link hasPrivatePart}); no truthy `priv`
 * unless `key_ops` is given. jose, the reference, skips every other key.
 */
export function isSigningKey(jwk: Jwk): boolean {
  if (jwk.use !== undefined && jwk.use !== 'sig') return false;
  // 'verify' is the one operation of a public signature key: jose refuses duplicates (RFC 7517
  // §4.3), non-strings, and any other operation beside it (WebCrypto will not import those).
  const ops: unknown = jwk.key_ops;
  if (ops !== undefined && !(Array.isArray(ops) && ops.length === 1 && ops[0] === 'verify')) return false;
  if (jwk.ext !== undefined && typeof jwk.ext !== 'boolean') return false;
  // A published private key lets anyone sign: no token it signs can be trusted.
  if (hasPrivatePart(jwk)) return false;
  // jose takes a truthy `priv` (the private member of post-quantum key types) for a private key
  // and imports it for signing, which fails, unless `key_ops` names the use itself.
  if (ops === undefined && jwk.priv) return false;
  return true;
}

/**
 * Whether a JWK of the key types scopegate verifies with (RSA, EC, OKP) carries
 * its private part: any `d` member, even empty or null (jose then fails the
 * import too).
 */
export function hasPrivatePart(jwk: Jwk): boolean {
  return jwk.d !== undefined;
}

/**
 * Imports one public JWK as a {@link VerificationKey}, through jose's JWK
 * import. Resolves `undefined` for keys that are not usable for signature
 * verification (see {@link isSigningKey}; unknown `kty`/`crv`, malformed members) so one
 * bad key does not poison a whole set.
 */
export async function importVerificationKey(jwk: Jwk): Promise<VerificationKey | undefined> {
  if (typeof jwk !== 'object' || jwk === null || typeof jwk.kty !== 'string' || !isSigningKey(jwk))
    return undefined;
  if (jwk.kid !== undefined && typeof jwk.kid !== 'string') return undefined;
  if (jwk.alg !== undefined && typeof jwk.alg !== 'string') return undefined;
  const crv = typeof jwk.crv === 'string' ? jwk.crv : undefined;
  const members = PUBLIC_MEMBERS[jwk.kty];
  const alg = CANONICAL_ALG[jwk.kty === 'RSA' ? 'RSA' : `${jwk.kty}:${crv}`];
  if (!members || !alg) return undefined;
  const publicJwk: Record<string, unknown> = {};
  for (const member of members) {
    if (typeof jwk[member] !== 'string') return undefined;
    publicJwk[member] = jwk[member];
  }
  try {
    const imported = await importJWK(publicJwk as JWK, alg);
    if (imported instanceof Uint8Array) return undefined;
    const keyObject = KeyObject.from(imported);
    // RSA below 2048 bits is too weak to trust (RFC 7518 §3.3; jose refuses it at verify time too).
    if (jwk.kty === 'RSA' && (keyObject.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS)
      return undefined;
    return { kid: jwk.kid, alg: jwk.alg, kty: jwk.kty, crv, keyObject };
  } catch {
    return undefined;
  }
}

/** Wraps a shared secret (HS256/384/512) as a {@link VerificationKey}. */
export function secretVerificationKey(secret: string | Uint8Array): VerificationKey {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  return { kid: undefined, alg: undefined, kty: 'oct', crv: undefined, keyObject: createSecretKey(bytes) };
}
