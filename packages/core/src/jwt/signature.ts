/**
 * JWS signature verification with `node:crypto` one-shot APIs on a
 * pre-imported KeyObject (never WebCrypto on the hot path: no promise, no key
 * re-import per request).
 */
import { constants, createHmac, type KeyObject, timingSafeEqual, verify } from 'node:crypto';

type Family = 'rsa' | 'pss' | 'ecdsa' | 'eddsa' | 'hmac';

interface AlgorithmSpec {
  readonly family: Family;
  /** Digest for RSA / ECDSA / HMAC; `undefined` for EdDSA (the curve fixes it). */
  readonly hash: string | undefined;
  /** Exact IEEE P1363 signature length for ECDSA (r || s). */
  readonly signatureLength: number;
}

const SPECS: ReadonlyMap<string, AlgorithmSpec> = new Map<string, AlgorithmSpec>([
  ['RS256', { family: 'rsa', hash: 'sha256', signatureLength: 0 }],
  ['RS384', { family: 'rsa', hash: 'sha384', signatureLength: 0 }],
  ['RS512', { family: 'rsa', hash: 'sha512', signatureLength: 0 }],
  ['PS256', { family: 'pss', hash: 'sha256', signatureLength: 0 }],
  ['PS384', { family: 'pss', hash: 'sha384', signatureLength: 0 }],
  ['PS512', { family: 'pss', hash: 'sha512', signatureLength: 0 }],
  ['ES256', { family: 'ecdsa', hash: 'sha256', signatureLength: 64 }],
  ['ES384', { family: 'ecdsa', hash: 'sha384', signatureLength: 96 }],
  ['ES512', { family: 'ecdsa', hash: 'sha512', signatureLength: 132 }],
  ['EdDSA', { family: 'eddsa', hash: undefined, signatureLength: 0 }],
  ['Ed25519', { family: 'eddsa', hash: undefined, signatureLength: 64 }],
  ['HS256', { family: 'hmac', hash: 'sha256', signatureLength: 0 }],
  ['HS384', { family: 'hmac', hash: 'sha384', signatureLength: 0 }],
  ['HS512', { family: 'hmac', hash: 'sha512', signatureLength: 0 }],
]);

// The signing input and the signature are written into two reusable buffers and handed to
// crypto.verify as views: Buffer.from would carve them out of Node's shared 8 KiB pool, which
// a verifier busy with distinct tokens refills (allocates) every few calls. Safe because the
// check is synchronous; a segment longer than the buffer gets a bigger one.
const scratch = { input: Buffer.allocUnsafe(2048), signature: Buffer.allocUnsafe(1024) };

function decodeInto(which: 'input' | 'signature', text: string, encoding: 'latin1' | 'base64url'): Buffer {
  // latin1: one byte per character; base64url: never more bytes than characters.
  if (scratch[which].length < text.length) scratch[which] = Buffer.allocUnsafe(text.length);
  const buffer = scratch[which];
  return buffer.subarray(0, buffer.write(text, encoding));
}

/** Every JWS algorithm this module can verify. */
export const SUPPORTED_ALGORITHMS: readonly string[] = [...SPECS.keys()];

/** Whether `alg` is an HMAC algorithm (needs a shared secret). */
export function isHmacAlgorithm(alg: string): boolean {
  return SPECS.get(alg)?.family === 'hmac';
}

/**
 * Checks a JWS signature. Returns `false` for any mismatch, including a key
 * of the wrong kind (a public key for HS*, a secret for RS*: RFC 8725 §2.1
 * key confusion) and malformed signature bytes; never throws.
 *
 * @param alg - the header `alg` (already on the allow-list).
 * @param key - public KeyObject, or secret KeyObject for HS*.
 * @param signingInput - `BASE64URL(header) "." BASE64URL(payload)` (ASCII).
 * @param signatureSegment - the base64url signature.
 */
export function verifyJwsSignature(
  alg: string,
  key: KeyObject,
  signingInput: string,
  signatureSegment: string,
): boolean {
  const spec = SPECS.get(alg);
  if (spec === undefined || signatureSegment.length === 0) return false;
  const signature = decodeInto('signature', signatureSegment, 'base64url');
  try {
    if (spec.family === 'hmac') {
      if (key.type !== 'secret') return false;
      const expected = createHmac(spec.hash as string, key)
        .update(signingInput, 'latin1')
        .digest();
      return expected.length === signature.length && timingSafeEqual(expected, signature);
    }
    if (key.type !== 'public') return false;
    const data = decodeInto('input', signingInput, 'latin1');
    switch (spec.family) {
      case 'rsa':
        return key.asymmetricKeyType === 'rsa' && verify(spec.hash, data, key, signature);
      case 'pss':
        return (
          (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') &&
          verify(
            spec.hash,
            data,
            {
              key,
              padding: constants.RSA_PKCS1_PSS_PADDING,
              saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
            },
            signature,
          )
        );
      case 'ecdsa':
        return (
          key.asymmetricKeyType === 'ec' &&
          signature.length === spec.signatureLength &&
          verify(spec.hash, data, { key, dsaEncoding: 'ieee-p1363' }, signature)
        );
      default:
        // eddsa: Ed25519 only (the curve decides the hash; signatures are 64 bytes). Ed448 keys
        // never get here: jose, the reference, cannot verify them, so key sets skip them.
        if (spec.signatureLength !== 0 && signature.length !== spec.signatureLength) return false;
        return key.asymmetricKeyType === 'ed25519' && verify(undefined, data, key, signature);
    }
  } catch {
    // OpenSSL rejects some malformed signatures by throwing; that is a failed check.
    return false;
  }
}
