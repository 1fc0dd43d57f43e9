import { KeyNotFoundError } from '../errors.js';
import type { JwkSet, JwtHeader } from '../types.js';
import { secretVerificationKey } from './import-key.js';
import { KeySet } from './key-set.js';
import type { KeySource, VerificationKey } from './key-source.js';

/** A key source over a JWK Set given in the options: no network, imported once. */
export function createStaticKeySource(jwks: JwkSet, maxKeys = 100): KeySource {
  let keySet: KeySet | undefined;
  let loading: Promise<KeySet> | undefined;
  const load = (): Promise<KeySet> => {
    loading ??= KeySet.fromJwks(jwks, maxKeys).then((set) => {
      keySet = set;
      return set;
    });
    return loading;
  };
  const pick = (set: KeySet, header: JwtHeader): VerificationKey => {
    const key = set.find(header);
    if (!key) throw new KeyNotFoundError();
    return key;
  };
  return {
    getKey(header) {
      return keySet ? pick(keySet, header) : load().then((set) => pick(set, header));
    },
    async warmup() {
      await load();
    },
  };
}

/** A key source for a shared secret (HS256/384/512). */
export function createSecretKeySource(secret: string | Uint8Array): KeySource {
  const key = secretVerificationKey(secret);
  const set = new KeySet([key]);
  return {
    getKey(header) {
      // A secret has no kid: any kid in the header is irrelevant, the alg decides.
      const found = set.find({ ...header, kid: undefined });
      if (!found) throw new KeyNotFoundError();
      return found;
    },
    async warmup() {},
  };
}
