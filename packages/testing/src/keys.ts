/**
 * Signing keys of a test issuer: generated with jose, published as public
 * JWKs (only the public members, picked by name, so no private part can ever
 * reach a JWK Set), with an RFC 7638 thumbprint as the default `kid`, and a
 * key ring that rotates them. Private keys never leave this module's objects.
 */
import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';

/** Algorithms a test issuer signs with: the asymmetric ones `@scopegate/core` accepts by default. */
export type TestAlgorithm =
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA';

/** Every {@link TestAlgorithm}. */
export const TEST_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const satisfies readonly TestAlgorithm[];

/** Members every published key carries. */
type PublishedKeyMembers = {
  /** Key id (`kid` of the tokens it signs). */
  readonly kid: string;
  /** The one algorithm this key signs with. */
  readonly alg: TestAlgorithm;
  /** Always `'sig'`. */
  readonly use: 'sig';
};

/** A public RSA key (RS256/384/512, PS256/384/512): modulus and exponent only. */
export type RsaPublicJwk = PublishedKeyMembers & {
  readonly kty: 'RSA';
  readonly n: string;
  readonly e: string;
};
/** A public EC key (ES256/384/512): curve and point only. */
export type EcPublicJwk = PublishedKeyMembers & {
  readonly kty: 'EC';
  readonly crv: 'P-256' | 'P-384' | 'P-521';
  readonly x: string;
  readonly y: string;
};
/** A public Ed25519 key (EdDSA): curve and point only. */
export type OkpPublicJwk = PublishedKeyMembers & {
  readonly kty: 'OKP';
  readonly crv: 'Ed25519';
  readonly x: string;
};

/** A published verification key. Never has `d` or any other private member. */
export type PublicJwk = RsaPublicJwk | EcPublicJwk | OkpPublicJwk;

/** A JWK Set of public keys, as served at `jwks_uri`. */
export interface PublicJwkSet {
  readonly keys: readonly PublicJwk[];
}

/** A key pair of the issuer. `privateKey` stays inside the package. */
export interface SigningKey {
  readonly kid: string;
  readonly alg: TestAlgorithm;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly publicJwk: PublicJwk;
}

const PUBLIC_MEMBERS = { RSA: ['n', 'e'], EC: ['crv', 'x', 'y'], OKP: ['crv', 'x'] } as const;

/** Whether `alg` is one of {@link TEST_ALGORITHMS}. */
export function isTestAlgorithm(alg: unknown): alg is TestAlgorithm {
  return typeof alg === 'string' && (TEST_ALGORITHMS as readonly string[]).includes(alg);
}

/**
 * Generates a key pair for `alg` (RSA: 2048 bits) and its public JWK.
 * @param kid - the key id; default: the RFC 7638 thumbprint of the public key.
 */
export async function generateSigningKey(alg: TestAlgorithm, kid?: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const exported = await exportJWK(publicKey);
  const kty = exported.kty as keyof typeof PUBLIC_MEMBERS;
  const members = PUBLIC_MEMBERS[kty];
  const publicMembers: Record<string, unknown> = { kty };
  for (const member of members) publicMembers[member] = exported[member];
  const id = kid ?? (await calculateJwkThumbprint({ ...publicMembers, kty }));
  const publicJwk = Object.freeze({ ...publicMembers, kid: id, alg, use: 'sig' }) as PublicJwk;
  return Object.freeze({ kid: id, alg, privateKey, publicKey, publicJwk });
}

interface RingEntry {
  readonly key: SigningKey;
  published: boolean;
}

/**
 * The issuer's keys: one current signing key, the earlier ones published
 * beside it until a rotation drops them (they can still sign on request, so a
 * test can mint a token of a retired key), and per algorithm one key that is
 * never published (forged tokens).
 */
export class KeyRing {
  readonly #entries = new Map<string, RingEntry>();
  readonly #unpublished = new Map<TestAlgorithm, Promise<SigningKey>>();
  #current: SigningKey;
  #jwks: PublicJwkSet | undefined;

  constructor(first: SigningKey) {
    this.#current = first;
    this.#entries.set(first.kid, { key: first, published: true });
  }

  /** The key that signs by default. */
  get current(): SigningKey {
    return this.#current;
  }

  /** A key this issuer generated (published or retired), by `kid`. */
  get(kid: string): SigningKey | undefined {
    return this.#entries.get(kid)?.key;
  }

  /** The published keys, current first (frozen; a new object after each rotation). */
  get jwks(): PublicJwkSet {
    this.#jwks ??= Object.freeze({
      keys: Object.freeze(
        [...this.#entries.values()]
          .filter((entry) => entry.published)
          .map((entry) => entry.key.publicJwk)
          .sort((a, b) => (a.kid === this.#current.kid ? -1 : b.kid === this.#current.kid ? 1 : 0)),
      ),
    });
    return this.#jwks;
  }

  /**
   * Generates a key that becomes current. `keepOld`: whether the earlier keys
   * stay published.
   * @throws TypeError when `kid` is already used by a key of this issuer.
   */
  async rotate(alg: TestAlgorithm, kid: string | undefined, keepOld: boolean): Promise<SigningKey> {
    if (kid !== undefined) this.#checkNewKid(kid);
    const key = await generateSigningKey(alg, kid);
    // A generated thumbprint cannot collide, short of a broken hash; checked all the same.
    this.#checkNewKid(key.kid);
    if (!keepOld) for (const entry of this.#entries.values()) entry.published = false;
    this.#entries.set(key.kid, { key, published: true });
    this.#current = key;
    this.#jwks = undefined;
    return key;
  }

  /** A key of `alg` that is never published (generated on first use, then reused). */
  unpublished(alg: TestAlgorithm): Promise<SigningKey> {
    let key = this.#unpublished.get(alg);
    if (key === undefined) {
      key = generateSigningKey(alg);
      this.#unpublished.set(alg, key);
      // A failed generation is not kept: the next call tries again.
      key.catch(() => this.#unpublished.delete(alg));
    }
    return key;
  }

  #checkNewKid(kid: string): void {
    if (this.#entries.has(kid))
      throw new TypeError(`@scopegate/testing: kid ${JSON.stringify(kid)} is already used by this issuer`);
  }
}
